"""The catalog of the study's claims: one entry per insight bullet of shared/reference/microcoder-insights.md.

What: `CATALOG` lists every bulleted insight of the study's eight claim sections (Motivation and the seven insight
sections, in the reference's order) as a `Claim`: its section, a short id (`KL-1`), the bullet's bold title as the
study writes it, the claim quoted or closely paraphrased, and how we test it —
    measured      the study spec whose sweep tests it (`spec`, also the name of the figure that redraws it, and
                  the study's figure number) and what is measured (`measure`: metric, statistic, arms, expected
                  direction); `analysis.claims_measures` holds one measurement function per measured id
    not testable  why the micro world cannot test it (`not_testable`: model generations, unpublished tools, …)
    description   the bullet describes a mechanism or a tool, it predicts no effect; `not_testable` says where the
                  description is checked instead (unit tests), or why it cannot be
`analysis.findings.claims_table(sweeps)` turns the catalog into the report's "Claims of the study" table: a row per
claim, measured on the loaded sweeps, or marked not testable, a description, or "no sweep loaded".

Why: the issue asks that no claim of the study is left out silently. The catalog is data, so a test can hold it
against the reference file bullet by bullet (tests/analysis/test_claims_catalog.py), and a reader sees in one
place what each claim became at micro scale. The micro analogues (the micro suite's hard tier for
MicroCoder-Dataset, its easy tier for DeepCoder's; 32–64 tokens for 4K–8K) are the study specs' own (their micro
`scales`); a measure text says so where the analogue matters.

How: `CATALOG` (a tuple, in the reference's order), `BY_ID[claim_id]`, `SECTIONS` (the reference's claim sections,
emoji dropped), `SPEC_FIGURES` (spec → the study's figure number).
"""

from __future__ import annotations

import dataclasses

__all__ = ["BY_ID", "CATALOG", "DESCRIPTION", "MEASURED", "NOT_TESTABLE", "SECTIONS", "SPEC_FIGURES", "Claim"]

MEASURED, NOT_TESTABLE, DESCRIPTION = "measured", "not testable", "description"

SECTIONS = ("Motivation", "Code Evaluator Robustness", "Temperature Dynamics", "Data Quality",
            "Context Length and Extension", "Truncation Mask", "Batch Size and On-Policy", "KL Loss and Clip Ratio")

SPEC_FIGURES = {"generations": "1_0", "evaluator": "6_4", "temperature": "7_2", "data": "8_2", "kl_clip": "9_2",
                "context_length": "10_2", "batch_size": "11_2", "truncation_mask": "12_2"}
"""The study specs (sweeps/specs/<name>.yaml; the analysis figure of the same name) and the study figure each draws."""


@dataclasses.dataclass(frozen=True)
class Claim:
    """One insight bullet of the study and how it is tested here (see the module docstring)."""

    id: str
    section: str
    title: str
    text: str
    spec: str = ""
    measure: str = ""
    not_testable: str = ""
    description: bool = False

    def __post_init__(self):
        if self.section not in SECTIONS:
            raise ValueError(f"claim {self.id}: unknown section {self.section!r}; valid: {', '.join(SECTIONS)}")
        if bool(self.measure) == bool(self.not_testable):
            raise ValueError(f"claim {self.id}: give exactly one of `measure` and `not_testable`")
        if self.measure and self.spec not in SPEC_FIGURES:
            raise ValueError(f"claim {self.id}: a measured claim names its spec; valid: {', '.join(SPEC_FIGURES)}")

    @property
    def kind(self) -> str:
        if self.measure:
            return MEASURED
        return DESCRIPTION if self.description else NOT_TESTABLE

    @property
    def study_figure(self) -> str:
        return SPEC_FIGURES.get(self.spec, "")


_MOT, _EVAL, _TEMP, _DATA, _CTX, _MASK, _BATCH, _KL = SECTIONS
_GENERATIONS = ("The micro world has one tiny model family: the generations spec's micro scale pairs two warm starts "
                "of the same ~2M-parameter micro model (`micro-prev`, a third of the supervised warm start, vs "
                "`micro`), which differ only in how strong they start, so a difference between them is no evidence "
                "about Qwen2.5 vs Qwen3. ")

CATALOG: tuple[Claim, ...] = (
    # ------------------------------------------------------------------------------------------- Motivation (1_0)
    Claim("MOT-1", _MOT, "Cross-generational training effectiveness",
          "Current training methods substantially improve Qwen2.5 models but barely improve Qwen3 models: the "
          "training bottlenecks are generation-specific.",
          not_testable=_GENERATIONS + "The claim is about those two real generations under the same recipe."),
    Claim("MOT-2", _MOT, "Dataset difficulty gap",
          "Mainstream datasets are hard for Qwen2.5 but relatively simple for Qwen3, so more challenging training "
          "corpora are needed.",
          not_testable="About how hard real public datasets (DeepCoder's, Open-R1's, …) are for Qwen2.5 vs Qwen3: it "
                       "needs those models and those datasets; generated micro tasks judged by a ~2M-parameter model "
                       "say nothing about them."),
    Claim("MOT-3", _MOT, "Fundamental behavioral differences",
          "Qwen3 models' response length trends upward during training while Qwen2.5's stays flat or falls; from "
          "Qwen2.5 Instruct to Qwen3 Instruct to Qwen3 Thinking, outputs grow longer and more variable.",
          not_testable=_GENERATIONS + "The generations sweep's own findings still report its two models' lengths, "
                                      "as a description of those models, not as evidence on this claim."),
    # ---------------------------------------------------------------------------------- Code Evaluator (6_4)
    Claim("EVAL-1", _EVAL, "MicroCoder-Evaluator capabilities",
          "MicroCoder-Evaluator compares outputs with 6-7 fallback strategies: lists/tuples/strings/sets with type "
          "conversion, np.allclose() plus rounding for floats, line splitting, set comparison, whitespace "
          "normalisation, and keeps trying when one method fails.",
          not_testable="Describes the study's evaluator, which is not public, so its features cannot be checked. "
                       "Our `microcoder` evaluator implements its own robust comparisons, checked case by case by "
                       "tests/evaluator (e.g. test_platform_judging.py); no training run measures a description.",
          description=True),
    Claim("EVAL-2", _EVAL, "LiveCodeBench Evaluator capabilities",
          "LiveCodeBench's evaluator matches exactly (prediction == gt_out), compares numbers with Decimal at high "
          "precision and preprocesses minimally (whitespace stripping).",
          not_testable="Describes LiveCodeBench's grader. Our `strict` evaluator imitates it and tests/evaluator "
                       "checks the imitation on hand-built programs; a training run has nothing to measure here.",
          description=True),
    Claim("EVAL-3", _EVAL, "Gold standard principle",
          "Higher accuracy in code testing generally means more reliable evaluation: more comprehensive comparison "
          "captures valid variations of a solution.",
          not_testable="A premise for reading accuracies (a grader that accepts more answers is more reliable), not a "
                       "training effect. Testing it needs the true correctness of every judged program, independent "
                       "of both graders; runs record only their own grader's verdicts. tests/evaluator check both "
                       "graders on programs of known correctness, which is a unit check, not this claim."),
    Claim("EVAL-4", _EVAL, "Comprehensive validation benefits",
          "MicroCoder-Evaluator achieves higher critic reward scores.", spec="evaluator",
          measure="mean critic reward over the run, MicroCoder-Evaluator arm (reward.evaluator=microcoder) − strict "
                  "arm (LiveCodeBench-style); expect > 0"),
    Claim("EVAL-5", _EVAL, "Training effectiveness",
          "MicroCoder-Evaluator gives fewer misjudgments and less noise: faster test accuracy improvement and higher "
          "convergence values.", spec="evaluator",
          measure="(a) growth of test accuracy (least-squares slope over the first half of the run, per 100 steps), "
                  "robust − strict, expect > 0; (b) final test accuracy (last 20 % of steps), robust − strict, "
                  "expect > 0. Test accuracy is judged by each arm's own evaluator (as the reward is): a constant "
                  "grader offset cancels in (a), not in (b)"),
    Claim("EVAL-6", _EVAL, "Temporal dynamics",
          "The difference between evaluators is most pronounced early in training, where robust evaluation is "
          "critical for proper learning feedback.", spec="evaluator",
          measure="test accuracy gap robust − strict over the first half of the run minus the gap over the last "
                  "20 % (per-run statistic `fade` = early − final, compared between the arms); expect > 0"),
    # ------------------------------------------------------------------------------------------- Temperature (7_2)
    Claim("TEMP-1", _TEMP, "Temperature robustness",
          "Models grow more robust to temperature during training: the upper bound of stable temperatures rises.",
          spec="temperature",
          measure="temperature probe (`microcoder probe temperature`): per probed run, the slope of probe accuracy "
                  "vs evaluation temperature at its last probed checkpoint − at its first (accuracy holds up better "
                  "at high temperature later); mean over runs, expect > 0"),
    Claim("TEMP-2", _TEMP, "Temperature-diversity relationship",
          "Higher temperatures naturally increase output diversity.", spec="temperature",
          measure="slope of probe diversity vs evaluation temperature per probed checkpoint, expect > 0 (without "
                  "probes: slope of the initial training diversity vs the constant arms' temperatures)"),
    Claim("TEMP-3", _TEMP, "Diversity decrease",
          "Output diversity systematically decreases at fixed temperatures as training progresses.",
          spec="temperature",
          measure="change of response diversity (final − initial 20 % of steps) over the runs of the "
                  "constant-temperature arms; expect < 0"),
    Claim("TEMP-4", _TEMP, "Critical diversity threshold",
          "When initial output diversity is below the expected convergence value, diversity keeps falling and "
          "training fails.", spec="temperature",
          measure="the lowest-temperature constant arm (lowest initial diversity) against the other constant arms: "
                  "(a) its diversity change, expect < 0; (b) its diversity change − theirs, expect < 0; (c) its test "
                  "accuracy drop from its peak − theirs, expect > 0 (training failure). The note says whether its "
                  "initial diversity was in fact below the others' final diversity (the claim's condition)"),
    Claim("TEMP-5", _TEMP, "Traditional temperature limitations",
          "The conventional temperature t=0.6 can cause training failure in modern models.", spec="temperature",
          measure="final test accuracy of the t=0.6 arm (else the lowest constant temperature) − the other constant "
                  "arms'; expect < 0. The micro model stands in for a 'modern model'"),
    Claim("TEMP-6", _TEMP, "Modern model capability",
          "Modern models (Qwen3) train stably even at t=1.8, with little influence on final convergence values.",
          spec="temperature",
          measure="final test accuracy, highest constant temperature (1.8) − the middle one (1.2): supports when the "
                  "95 % CI lies within ±0.05 pass@1 (equivalence), contradicts when it lies wholly outside. The "
                  "micro model stands in for Qwen3"),
    Claim("TEMP-7", _TEMP, "Convergence consistency",
          "Output diversity converges to similar final values across temperature settings.", spec="temperature",
          measure="(a) slope of the diversity change vs the arms' temperature across constant arms, expect < 0 "
                  "(hotter arms lose more, so the spread closes); (b) final diversity, highest − lowest "
                  "temperature, equivalent to 0 within ±0.05"),
    Claim("TEMP-8", _TEMP, "Diversity-determined selection",
          "Choose the training temperature by response diversity: not so low that diversity keeps declining, not "
          "so high that it fluctuates drastically, but where diversity converges stably.", spec="temperature",
          measure="the recommendation's two premises, against the middle constant arm(s): (a) the lowest "
                  "temperature's diversity change − the middle's, expect < 0; (b) the highest temperature's "
                  "diversity jitter (std of step-to-step changes) − the middle's, expect > 0. The recommendation "
                  "itself would need an arm with `rollout.temperature: {kind: auto}`, which no study spec runs"),
    Claim("TEMP-9", _TEMP, "Dynamic scheduling advantage",
          "Low-to-high temperature scheduling beats training at the high temperature from the start.",
          spec="temperature",
          measure="final test accuracy of each staged arm (a branch, e.g. 0.6 → 1.2) − the constant arm at its final "
                  "temperature; expect > 0"),
    Claim("TEMP-10", _TEMP, "Continuous change risks",
          "Continuous uniform temperature changes, even brief ones within a few steps, cause irreversible or "
          "unstable diversity shifts: use staged transitions or a diversity-determined constant initial "
          "temperature.", spec="temperature",
          measure="arms with a linear (continuous) temperature schedule against the staged arms: (a) diversity "
                  "jitter, expect > 0; (b) final test accuracy, expect < 0. The temperature spec defines no linear "
                  "arm (the study shows no run of one either): the row says so and cannot tell until one is added"),
    # ------------------------------------------------------------------------------------------- Data quality (8_2)
    Claim("DATA-1", _DATA, "Superior improvement effectiveness",
          "Training on MicroCoder-Dataset gives rapid, pronounced accuracy gains; on DeepCoder's dataset test "
          "accuracy barely moves.", spec="data",
          measure="change of test accuracy (final − initial), hard-data arm − easy-data arm, expect > 0 (micro "
                  "analogue: the micro suite's hard tier for MicroCoder-Dataset, its easy tier for DeepCoder's)"),
    Claim("DATA-2", _DATA, "Dataset difficulty",
          "MicroCoder-Dataset consistently yields lower critic rewards: its problems are harder.", spec="data",
          measure="mean critic reward over the run, hard-data arm − easy-data arm; expect < 0"),
    Claim("DATA-3", _DATA, "Challenging problem effectiveness",
          "Both datasets show similar critic-reward growth, yet only MicroCoder-Dataset improves the test set: "
          "training on hard problems generalises.", spec="data",
          measure="(a) change of critic reward, hard − easy, equivalent to 0 within ±0.05; (b) change of test "
                  "accuracy of the hard-data arm, expect > 0"),
    Claim("DATA-4", _DATA, "Response length dynamics",
          "Harder problems grow response length faster and further, although they start similar or shorter.",
          spec="data",
          measure="(a) length growth (slope over the first half, per 100 steps), hard − easy, expect > 0; (b) final "
                  "response length, hard − easy, expect > 0"),
    # --------------------------------------------------------------------------------- Context length (10_2)
    Claim("CTX-1", _CTX, "Scaling relationship",
          "Longer maximum output lengths give higher final accuracy.", spec="context_length",
          measure="slope of final test accuracy vs data.max_response_length across the constant-length arms "
                  "(micro: 32 / 48 / 64 tokens for 4K / 6K / 8K); expect > 0"),
    Claim("CTX-2", _CTX, "Growth dynamics",
          "Larger maximum output lengths drive faster output growth and greater final output lengths.",
          spec="context_length",
          measure="slope vs data.max_response_length across the constant arms of (a) response length growth and "
                  "(b) final response length; expect > 0 for both"),
    Claim("CTX-3", _CTX, "Diversity correlation",
          "Longer outputs or maximum output lengths go with higher output diversity.", spec="context_length",
          measure="(a) slope of final diversity vs data.max_response_length across the constant arms, expect > 0; "
                  "(b) slope of final diversity vs final response length across their runs, expect > 0"),
    Claim("CTX-4", _CTX, "Persistent limitation effects",
          "Starting with a small maximum output length lowers response length and diversity, and leaves a "
          "performance deficit that persists after the length is extended.", spec="context_length",
          measure="extended branches (e.g. 4K → 8K) − the constant arm they extend to (8K), on final test accuracy, "
                  "final response length and final diversity; expect < 0 for each"),
    Claim("CTX-5", _CTX, "Limitation severity",
          "The smaller the initial maximum output length, the larger the loss in response length and performance.",
          spec="context_length",
          measure="the branch extended from the smallest initial length − the branch from a larger one (4K → 8K "
                  "vs 6K → 8K) on final test accuracy and final response length; expect < 0"),
    Claim("CTX-6", _CTX, "Irreversible training effects",
          "The longer training runs under a small initial maximum length, the worse diversity, length and "
          "performance get, with little recovery once the limit is relaxed past some point.",
          spec="context_length",
          measure="branches of one parent extended at two different steps: the later branch − the earlier one on "
                  "final test accuracy; expect < 0. The context_length spec (like the study's figure 10_2) extends "
                  "each parent at one step only: the row says so and cannot tell until a later branch is added"),
    # ------------------------------------------------------------------------------------ Truncation mask (12_2)
    Claim("MASK-1", _MASK, "Truncation masking mechanism",
          "Responses that reach the maximum response length get advantage zero, so truncated outputs do not "
          "contribute to the policy update.", spec="truncation_mask",
          measure="in the mask-all arm: (a) mean truncated fraction, expect > 0 (responses do reach the limit); "
                  "(b) per run, mean masked fraction − mean truncated fraction, equivalent to 0 within ±0.01"),
    Claim("MASK-2", _MASK, "Conditional truncation masking criteria",
          "Mask only responses that reach the maximum length, give correct answers and do not repeat (the last 128 "
          "tokens differ from the 128 before), and only a given proportion of them.", spec="truncation_mask",
          measure="in the conditional arms: (a) mean masked fraction, expect > 0 (the mask fires); (b) ratio × mean "
                  "truncated fraction − mean masked fraction, expect > 0 (at most the proportion is masked). Our "
                  "default reads 'correct' as the equation's non-incorrect (design.md §3)"),
    Claim("MASK-3", _MASK, "Performance trajectory",
          "With masking, performance rises quickly to higher values, then declines and converges.",
          spec="truncation_mask",
          measure="(a) test accuracy drop from its peak (peak − end of the unsmoothed curve) in the masked arms "
                  "(conditional and mask-all), expect > 0; (b) peak test accuracy, masked arms − no-mask, "
                  "expect > 0"),
    Claim("MASK-4", _MASK, "Length growth acceleration",
          "Higher masking rates accelerate output length growth and push its convergence closer to the maximum; "
          "30 % masking grows about as fast as complete masking.", spec="truncation_mask",
          measure="slope vs the masking rate (no mask 0, conditional ρ, mask-all 1) of (a) response length growth "
                  "and (b) final response length; expect > 0. The '30 % ≈ complete' part is not measured (an "
                  "equivalence of growth rates needs a margin on a scale-dependent rate)"),
    Claim("MASK-5", _MASK, "Peak achievement speed",
          "More masking reaches the initial performance peak sooner.", spec="truncation_mask",
          measure="slope of the test accuracy peak's position (fraction of the run's span) vs the masking rate "
                  "across the masked arms; expect < 0"),
    Claim("MASK-6", _MASK, "Peak performance tradeoff",
          "Less masking lengthens the initial improvement phase and reaches a higher peak.", spec="truncation_mask",
          measure="slope vs the masking rate across the masked arms of (a) peak test accuracy and (b) the peak's "
                  "position; expect < 0 for both"),
    Claim("MASK-7", _MASK, "Diversity dynamics",
          "More masking makes diversity fall faster and converge lower; complete masking raises diversity briefly, "
          "then it falls fast.", spec="truncation_mask",
          measure="slope vs the masking rate of (a) diversity growth and (b) final diversity, expect < 0; in the "
                  "mask-all arm (c) the diversity rise (peak − initial) and (d) its drop from the peak, expect > 0"),
    Claim("MASK-8", _MASK, "Stability advantage",
          "Conditional masking trains more stably than no masking and complete masking, ends significantly higher, "
          "and avoids complete masking's rapid collapse.", spec="truncation_mask",
          measure="final test accuracy of the main conditional arm − (a) no-mask and (b) mask-all, expect > 0; "
                  "(c) test accuracy drop from the peak, mask-all − conditional, expect > 0"),
    # ------------------------------------------------------------------------------------------ Batch size (11_2)
    Claim("BATCH-1", _BATCH, "Training configuration mechanism",
          "train_batch_size problems are rolled out per round; the parameters are then updated "
          "train_batch_size / ppo_mini_batch_size times on ppo_mini_batch_size problems each, and the cycle "
          "repeats.",
          not_testable="Defines the two batch sizes and the update cycle; there is no effect to measure. The local "
                       "backend implements the cycle (microcoder/backends/local/trainer.py: one update per "
                       "mini-batch; the config refuses a mini-batch that does not divide the batch, "
                       "tests/recipe/test_config.py) and verl does it natively.",
          description=True),
    Claim("BATCH-2", _BATCH, "On-policy versus off-policy spectrum",
          "At a fixed ppo_mini_batch_size, a smaller train_batch_size is more on-policy (reflect after each "
          "problem), a larger one more off-policy (reflect after all problems).", spec="batch_size",
          measure="mean clip fraction (share of tokens whose ratio was clipped: a policy drifting from the one that "
                  "sampled) of the smallest-batch arm − the largest; expect < 0"),
    Claim("BATCH-3", _BATCH, "Stability characteristics",
          "On-policy settings are less stable: diversity converges faster and response length rises then falls; "
          "off-policy settings are more stable.", spec="batch_size",
          measure="smallest-batch arm − largest (equal data, so over the same prompts): (a) response length drop "
                  "from its peak, expect > 0; (b) diversity change, expect < 0; (c) test accuracy drop from its "
                  "peak, expect > 0"),
    Claim("BATCH-4", _BATCH, "Optimal performance balance",
          "Intermediate settings between on- and off-policy outperform both extremes.", spec="batch_size",
          measure="final test accuracy of the intermediate batch arm(s) − (a) the smallest and (b) the largest "
                  "batch; expect > 0"),
    # ------------------------------------------------------------------------------------------- KL and clip (9_2)
    Claim("KL-1", _KL, "Removal benefits",
          "Removing the KL loss with high clipping raises diversity and response length and sustains improvement; "
          "the standard KL loss without high clipping lowers diversity, barely grows length, and gains modestly "
          "before declining.", spec="kl_clip",
          measure="no-KL clip-high arm − KL arm: (a) final diversity, (b) final response length, (c) final test "
                  "accuracy, expect > 0; (d) test accuracy drop from its peak, KL − no-KL, expect > 0"),
    Claim("KL-2", _KL, "Diversity-performance relationship",
          "Continued diversity reduction makes training unsustainable: performance first rises, then falls.",
          spec="kl_clip",
          measure="across all runs of the sweep, slope of the test accuracy drop from its peak vs the diversity "
                  "change (runs resampled); expect < 0 (the more diversity lost, the further accuracy falls)"),
)

BY_ID: dict[str, Claim] = {}
for _c in CATALOG:
    if _c.id in BY_ID:
        raise ValueError(f"claim id {_c.id!r} is used twice in the catalog")
    BY_ID[_c.id] = _c
del _c
