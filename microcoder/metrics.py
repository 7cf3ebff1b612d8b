"""The metric names every backend writes (design.md §4), one constant each with its one-line meaning.

What: `STEP`, `PROMPTS_SEEN`, `TRAIN_*`, `TEST_*`, `TIME_*`, `MEM_*` name the keys of one logged step, both in
the run store's `metrics.jsonl` and in W&B. `MEANING[name]` says what each one is; `KNOWN` is the set of the
fixed names; `TEST_ACCURACY_BY` is the template of the per-platform × difficulty test accuracies
(`test_accuracy_by("atcoder", "easy")` → `"test/accuracy/atcoder/easy"`); `is_known(name)` accepts both.

Why: the local and the verl backend must write exactly the same names so that the analysis (and the study's
figures) read either without a translation table; a typo in one backend must be caught, not plotted as a
missing curve. `microcoder.tracking.Tracker` warns once per name that `is_known` rejects.

How: `from microcoder import metrics as M; tracker.log(step, {M.TRAIN_ACCURACY: acc, M.TIME_STEP_S: dt})`.
`step` is the row key (the `step` argument of `Tracker.log` / `RunStore.log`), not a value in the dict.
"""

from __future__ import annotations

import re

MEANING: dict[str, str] = {}
EXTRA: set[str] = set()
"""Diagnostics the local backend adds beyond design.md §4 (documented here; both backends may omit them)."""


def _metric(name: str, meaning: str, *, extra: bool = False) -> str:
    MEANING[name] = meaning
    if extra:
        EXTRA.add(name)
    return name


STEP = _metric("step", "Global step; a branch run continues its parent's count (verl training/global_step).")
PROMPTS_SEEN = _metric("data/prompts_seen", "Cumulative training prompts so far: the study's 'Relative Data' axis.")

TRAIN_CRITIC_REWARD = _metric("train/critic_reward", "Mean reward of the step's batch (verl critic/score/mean).")
TRAIN_ACCURACY = _metric("train/accuracy", "Fraction of the step's responses that pass all their tests.")
TRAIN_RESPONSE_LENGTH = _metric("train/response_length", "Mean response length of the batch, tokens.")
TRAIN_RESPONSE_LENGTH_MAX = _metric("train/response_length_max", "Longest response of the batch, tokens.")
TRAIN_TRUNCATED_FRACTION = _metric(
    "train/truncated_fraction", "Fraction of responses that reached the configured max_response_length (not the "
    "batch's longest).")
TRAIN_MASKED_FRACTION = _metric(
    "train/masked_fraction", "Fraction of responses whose advantage the truncation mask zeroed.")
TRAIN_RESPONSE_DIVERSITY = _metric(
    "train/response_diversity", "Distinct-4-gram ratio of each prompt's n responses, averaged over prompts (§3).")
TRAIN_ENTROPY = _metric("train/entropy", "Mean token entropy of the policy on its responses (verl actor/entropy).")
TRAIN_KL = _metric("train/kl", "KL(π_θ‖π_ref) loss estimate (verl actor/kl_loss); 0 when the KL loss is off.")
TRAIN_CLIP_FRACTION = _metric(
    "train/clip_fraction", "Fraction of tokens whose PPO ratio was clipped (verl actor/pg_clipfrac).")
TRAIN_GRAD_NORM = _metric("train/grad_norm", "Policy gradient norm before clipping (verl actor/grad_norm).")
TRAIN_TEMPERATURE = _metric("train/temperature", "Rollout temperature in force at this step (the schedule's value).")
TRAIN_MAX_RESPONSE_LENGTH = _metric(
    "train/max_response_length", "max_response_length in force at this step, tokens (the schedule's value).")

TRAIN_PG_LOSS = _metric("train/pg_loss", "Clipped policy-gradient loss of the step's updates (verl actor/pg_loss).",
                        extra=True)
TRAIN_REPETITIVE_FRACTION = _metric(
    "train/repetitive_fraction", "Fraction of responses whose last m tokens repeat the m before (the mask's ¬repeat).",
    extra=True)

TEST_RESPONSE_LENGTH = _metric("test/response_length", "Mean response length on the test set, tokens.", extra=True)
TEST_ACCURACY = _metric("test/accuracy", "pass@1 on the fixed test set, logged every trainer.test_freq steps.")
TEST_ACCURACY_BY = _metric(  # a template: fill it with test_accuracy_by(platform, difficulty)
    "test/accuracy/{platform}/{difficulty}", "pass@1 on the test problems of one platform × difficulty.")

TIME_ROLLOUT_S = _metric("time/rollout_s", "Wall time of the step's generation phase, seconds.")
TIME_REWARD_S = _metric("time/reward_s", "Wall time of the step's judging (reward) phase, seconds.")
TIME_UPDATE_S = _metric("time/update_s", "Wall time of the step's policy update phase, seconds.")
TIME_STEP_S = _metric("time/step_s", "Wall time of the whole step, seconds.")

MEM_ROLLOUT_GB = _metric("mem/rollout_gb", "Peak memory during generation, GB (GPU allocated, or RSS on CPU).")
MEM_REWARD_GB = _metric("mem/reward_gb", "Peak memory during judging, GB (GPU allocated, or RSS on CPU).")
MEM_UPDATE_GB = _metric("mem/update_gb", "Peak memory during the policy update, GB (GPU allocated, or RSS on CPU).")

KNOWN: frozenset[str] = frozenset(name for name in MEANING if name != TEST_ACCURACY_BY and name not in EXTRA)
"""Every fixed metric name (the per-platform test accuracies are matched by `is_known` instead)."""

PLATFORMS = ("atcoder", "leetcode", "codeforces")  # LiveCodeBench's `platform` values
DIFFICULTIES = ("easy", "medium", "hard")  # LiveCodeBench's `difficulty` values

_TEST_ACCURACY_BY_RE = re.compile(r"^test/accuracy/[^/]+/[^/]+$")


def test_accuracy_by(platform: str, difficulty: str) -> str:
    """The name of pass@1 on one platform × difficulty: ("atcoder", "easy") → "test/accuracy/atcoder/easy"."""
    if not platform or not difficulty or "/" in platform or "/" in difficulty:
        raise ValueError(f"platform and difficulty must be non-empty, without '/': {platform!r}, {difficulty!r}")
    return TEST_ACCURACY_BY.format(platform=platform, difficulty=difficulty)


test_accuracy_by.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite its name


def is_known(name: str) -> bool:
    """True for a name of design.md §4 (KNOWN or a filled TEST_ACCURACY_BY) or a documented EXTRA diagnostic."""
    return name in KNOWN or name in EXTRA or bool(_TEST_ACCURACY_BY_RE.match(name))


def test_accuracies(passed: "list[bool | float | None]", platforms: "list[str | None]",
                    difficulties: "list[str | None]") -> dict[str, float]:
    """`test/accuracy` and one `test/accuracy/<platform>/<difficulty>` per cell from one pass over the test
    responses (both backends: the local trainer's evaluation, the verl plug-in's validation hook). A missing
    platform or difficulty is 'unknown'; a None in `passed` (a response that was never judged) counts as a fail."""
    if not (len(passed) == len(platforms) == len(difficulties)):
        raise ValueError(f"passed, platforms and difficulties differ in length: "
                         f"{len(passed)}, {len(platforms)}, {len(difficulties)}")
    if not passed:
        return {}
    ok = [float(bool(p)) for p in passed]
    out = {TEST_ACCURACY: sum(ok) / len(ok)}
    cells: dict[str, list[float]] = {}
    for good, platform, difficulty in zip(ok, platforms, difficulties):
        key = test_accuracy_by(str(platform or "unknown").lower().replace("/", "-"),
                               str(difficulty or "unknown").lower().replace("/", "-"))
        cells.setdefault(key, []).append(good)
    out.update({k: sum(v) / len(v) for k, v in sorted(cells.items())})
    return out


test_accuracies.__test__ = False  # type: ignore[attr-defined]
