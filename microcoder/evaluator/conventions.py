"""Platform judging conventions: what a problem's judge accepts when its source does not say.

A problem states some judging options itself (`problems.JudgeOptions`: unordered, case_insensitive,
float_tolerance, checker). What it leaves unstated is decided, in this order, by

1. the documented convention of its platform (`PLATFORM_CONVENTIONS`, looked up by ``Problem.platform``), then
2. the evaluator's own defaults (`comparators`: exact case, the robust default float tolerance, order counts).

The result is one `JudgingRules` per (problem, evaluator), which the comparators and the judge follow:

    from microcoder.evaluator.conventions import judging_rules
    judging_rules(problem.options, "codeforces", platform_conventions=True).case   # "yes_no"

The conventions (checked against the platforms' own documents, learn-only):

* **Codeforces** — problems whose answer is yes/no say "You can output the answer in any case (upper or lower).
  For example, the strings yEs, yes, Yes, and YES will be recognized as positive responses", and testlib's
  yes/no checkers (``yesno.cpp``/``nyesno.cpp``) compare the word case-insensitively. Other words are compared as
  written (testlib ``wcmp``). So: a ``YES``/``NO`` expected token accepts any case; nothing else does.
* **AtCoder** — statements say "print Yes" / "print No" and the judge compares exactly: case counts.
* **LeetCode** — return values are compared as values; a returned string's case counts.

Float tolerances are stated per problem on all three ("absolute or relative error at most 10^-6"), so no platform
default exists: an unstated tolerance is the evaluator's default. ``strict`` (LiveCodeBench's grader) follows
what the problem states but no platform convention (LiveCodeBench applies none), hence
``platform_conventions=False`` for it (see `comparators.PLATFORM_CONVENTIONS`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .problems import JudgeOptions

CASES = ("exact", "yes_no", "any")


@dataclass(frozen=True)
class JudgingRules:
    """The rules one evaluator applies to one problem (stated options, then conventions, then defaults)."""

    unordered: bool = False
    """Order-free comparison of the answer's top-level items / output lines / tokens."""
    case: str = "exact"
    """"exact"; "yes_no" (a yes/no token matches in any case, as Codeforces); "any" (case never counts)."""
    float_tolerance: float | None = None
    """Stated absolute-or-relative tolerance for non-integer expected numbers; None = the evaluator's default."""
    checker: str | None = None
    """A special checker program (Python source) that decides each test (run in the sandbox)."""
    real_valued: bool = False
    """The problem's answers are real numbers (it states a tolerance, or its expected outputs hold a non-integer
    number): where a tolerance is in force, an integer-written expected number is read as a real too
    (`number_rules`)."""

    def __post_init__(self):
        if self.case not in CASES:
            raise ValueError(f"case must be one of {', '.join(CASES)}, got {self.case!r}")


@dataclass(frozen=True)
class PlatformConvention:
    case: str = "exact"
    source: str = ""


PLATFORM_CONVENTIONS: dict[str, PlatformConvention] = {
    "codeforces": PlatformConvention("yes_no", "Codeforces statements: yes/no answers in any case; testlib yesno"),
    "atcoder": PlatformConvention("exact", "AtCoder statements: print Yes/No exactly; exact judge"),
    "leetcode": PlatformConvention("exact", "LeetCode compares returned values; string case counts"),
}

DEFAULT_RULES = JudgingRules()


def platform_convention(platform: str | None) -> PlatformConvention | None:
    """The convention of a platform name (case-insensitive: ``Codeforces`` = ``codeforces``), or None."""
    if not isinstance(platform, str):
        return None
    return PLATFORM_CONVENTIONS.get(platform.strip().lower())


def judging_rules(options: JudgeOptions | None, platform: str | None = None, *,
                  platform_conventions: bool = True, real_valued: bool = False) -> JudgingRules:
    """Resolve stated options → the platform's convention (when followed) → defaults, into JudgingRules.
    real_valued: the problem's expected outputs hold non-integer numbers (`Problem.real_valued`)."""
    options = options or JudgeOptions()
    if options.case_insensitive is not None:
        case = "any" if options.case_insensitive else "exact"
    else:
        conv = platform_convention(platform) if platform_conventions else None
        case = conv.case if conv else DEFAULT_RULES.case
    return JudgingRules(unordered=bool(options.unordered), case=case, float_tolerance=options.float_tolerance,
                        checker=options.checker,
                        real_valued=bool(real_valued or options.float_tolerance is not None))


__all__ = ["CASES", "DEFAULT_RULES", "JudgingRules", "PLATFORM_CONVENTIONS", "PlatformConvention",
           "judging_rules", "platform_convention"]
