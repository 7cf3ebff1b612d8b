"""How each measured claim of the study's catalog is measured: one function per claim id, in `MEASURES`.

What: `MEASURES.get("KL-1")(sweep)` returns the findings of the claim's parts, (a), (b), …, in the order its
catalog entry's `measure` text lists them (analysis/claims_catalog.py says what each claim is and what is measured;
this module does it). Each function picks the arms a claim is about from their config values (falling back to their
names, as the figures do) and measures with `analysis.findings`' helpers: `compare` (arm vs arm), `one_sample`,
`per_run` (a per-run value vs 0), `trend` (slope vs a config value) and `relation` (slope of one per-run statistic
against another across runs), each with a 95 % bootstrap CI over seeds.

Why: the catalog is data a test holds against the study bullet by bullet; the measurements are code with arms to
identify, so they live here, one small function per claim, beside the per-sweep findings of findings_claims.py
(whose arm-picking helpers they share).

How: `analysis.findings.claims_table(sweeps)` calls them for every measured claim whose sweep is loaded; a claim
whose sweep lacks the arms it needs (e.g. no linear temperature schedule) gets "cannot tell" with the reason.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from analysis.claims_catalog import BY_ID
from analysis.figures.context_length import families, target_arm
from analysis.figures.panels import arm_role, numeric
from analysis.figures.temperature import split_arms
from analysis.figures.truncation_mask import mask_roles
from analysis.effects import (ACC, DIV, LEN, MEASURES, REW, Finding, compare, one_sample, per_run, relation,
                               run_stat, trend)
from analysis.findings_claims import data_roles, probe_diversity
from analysis.runs import Sweep
from microcoder import metrics as M

TRUNC, MASKED, CLIP = M.TRAIN_TRUNCATED_FRACTION, M.TRAIN_MASKED_FRACTION, M.TRAIN_CLIP_FRACTION
ACC_MARGIN = 0.05
"""Equivalence margin of claims that predict no difference in pass@1 (5 points; the micro test set's evaluation
noise is about ±0.017, design.md §9)."""
DIV_MARGIN = 0.05
"""Equivalence margin of claims that predict similar diversity (distinct-4 ratio, in [0, 1])."""
REW_MARGIN = 0.05
"""Equivalence margin of claims that predict similar critic-reward changes (reward in [0, 1] at micro scale)."""


def _measure(claim_id: str):
    """Register a claim's measurement; the function gets the sweep and the claim's (text, section)."""
    claim = BY_ID[claim_id]

    def deco(fn):
        MEASURES.add(claim_id, lambda s: fn(s, claim.text, claim.section))
        return fn

    return deco


def _missing(claim: str, section: str, measure: str, why: str) -> Finding:
    return Finding(claim, section, measure, np.nan, np.nan, np.nan, "–", "cannot tell", why)


def _run_mean(sweep: Sweep, run: str, metric: str) -> float:
    return run_stat(sweep, run, metric, "mean")


# ------------------------------------------------------------------------------------------- evaluator (6_4)

def _evaluators(s: Sweep) -> tuple[list[str], list[str]]:
    robust = arm_role(s, "reward.evaluator", lambda v: v == "microcoder", r"microcoder|robust")
    strict = arm_role(s, "reward.evaluator", lambda v: v == "strict", r"strict|livecodebench|lcb")
    return robust, [a for a in strict if a not in robust]


@_measure("EVAL-4")
def _eval_reward(s, claim, sec):
    robust, strict = _evaluators(s)
    return [compare(s, claim, sec, robust, strict, REW, "mean", +1)]


@_measure("EVAL-5")
def _eval_training(s, claim, sec):
    robust, strict = _evaluators(s)
    return [compare(s, claim, sec, robust, strict, ACC, "growth", +1),
            compare(s, claim, sec, robust, strict, ACC, "final", +1)]


@_measure("EVAL-6")
def _eval_early(s, claim, sec):
    robust, strict = _evaluators(s)
    return [compare(s, claim, sec, robust, strict, ACC, "fade", +1)]


# ----------------------------------------------------------------------------------------- temperature (7_2)

def _constant_temps(s: Sweep) -> list[tuple[float, str]]:
    """(temperature, arm) of the constant-temperature arms, coolest first."""
    constant, _, _ = split_arms(s)
    temps = [(numeric(s.value(a, "rollout.temperature")), a) for a in constant]
    return sorted(((t, a) for t, a in temps if t is not None), key=lambda p: p[0])


def _schedule_kind(s: Sweep, arm: str) -> Optional[str]:
    kind = s.value(arm, "rollout.temperature.kind")
    if kind is None:
        t = s.value(arm, "rollout.temperature")
        if isinstance(t, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in t):
            kind = dict(t).get("kind")
        elif isinstance(t, dict):
            kind = t.get("kind")
    return kind


def _probe_slope_change(s: Sweep, run: str) -> float:
    """Slope of probe accuracy vs evaluation temperature at the run's last probed checkpoint − at its first."""
    rows = [r for r in s.probe(run, "temperature") if isinstance(r.get("accuracy"), (int, float))]
    slopes = []
    for step in sorted({r.get("step") for r in rows if isinstance(r.get("step"), (int, float))}):
        pts = [(float(r["temperature"]), float(r["accuracy"])) for r in rows if r.get("step") == step]
        if len({p[0] for p in pts}) >= 2:
            x, y = np.array(pts).T
            slopes.append(np.polyfit(x, y, 1)[0])
    return float(slopes[-1] - slopes[0]) if len(slopes) >= 2 else np.nan


@_measure("TEMP-1")
def _temp_robustness(s, claim, sec):
    measure = "slope of probe accuracy vs evaluation temperature, last − first probed checkpoint (per run)"
    values = {r: _probe_slope_change(s, r) for r in s.records}
    if not any(np.isfinite(v) for v in values.values()):
        return [_missing(claim, sec, measure, "no run has temperature-probe rows at two checkpoints "
                                             "(`microcoder probe temperature RUN_DIR --steps 0,...`)")]
    return [per_run(s, claim, sec, measure, values, +1)]


@_measure("TEMP-2")
def _temp_diversity(s, claim, sec):
    constant, _, _ = split_arms(s)
    return [probe_diversity(s, sec, claim) or trend(s, claim, sec, constant, "rollout.temperature", DIV,
                                                     "initial", +1)]


@_measure("TEMP-3")
def _temp_decrease(s, claim, sec):
    constant, _, _ = split_arms(s)
    return [one_sample(s, claim, sec, constant, DIV, "change", -1)]


def _coolest_vs_rest(s: Sweep) -> tuple[list[str], list[str]]:
    temps = _constant_temps(s)
    if len(temps) < 2:
        return [], []
    return [temps[0][1]], [a for _, a in temps[1:]]


@_measure("TEMP-4")
def _temp_threshold(s, claim, sec):
    low, rest = _coolest_vs_rest(s)
    out = [one_sample(s, claim, sec, low, DIV, "change", -1),
           compare(s, claim, sec, low, rest, DIV, "change", -1),
           compare(s, claim, sec, low, rest, ACC, "drop", +1)]
    if low and rest:
        start = np.nanmean([run_stat(s, r, DIV, "initial") for r in s.runs_of(low[0])])
        end = np.nanmean([run_stat(s, r, DIV, "final") for a in rest for r in s.runs_of(a)])
        if np.isfinite(start) and np.isfinite(end):
            out[0].note = "; ".join(n for n in (out[0].note, (
                f"condition {'met' if start < end else 'NOT met'}: its initial diversity {start:.3g} is "
                f"{'below' if start < end else 'not below'} the others' final {end:.3g}")) if n)
    return out


@_measure("TEMP-5")
def _temp_low(s, claim, sec):
    temps = _constant_temps(s)
    low = [a for t, a in temps if abs(t - 0.6) < 1e-9][:1] or [a for _, a in temps[:1]]
    rest = [a for _, a in temps if a not in low]
    return [compare(s, claim, sec, low, rest, ACC, "final", -1)]


@_measure("TEMP-6")
def _temp_high(s, claim, sec):
    temps = _constant_temps(s)
    if len(temps) < 3:
        return [_missing(claim, sec, "final test accuracy, highest − middle constant temperature",
                         "needs three constant-temperature arms (low, middle, high)")]
    high = [a for t, a in temps if abs(t - 1.8) < 1e-9][:1] or [temps[-1][1]]
    mid = [a for t, a in temps if abs(t - 1.2) < 1e-9][:1] or [temps[len(temps) // 2][1]]
    return [compare(s, claim, sec, high, mid, ACC, "final", 0, margin=ACC_MARGIN)]


@_measure("TEMP-7")
def _temp_convergence(s, claim, sec):
    temps = _constant_temps(s)
    arms = [a for _, a in temps]
    return [trend(s, claim, sec, arms, "rollout.temperature", DIV, "change", -1),
            compare(s, claim, sec, arms[-1:], arms[:1] if len(arms) > 1 else [], DIV, "final", 0,
                    margin=DIV_MARGIN)]


@_measure("TEMP-8")
def _temp_selection(s, claim, sec):
    temps = _constant_temps(s)
    if len(temps) < 3:
        return [_missing(claim, sec, "diversity of the lowest / highest vs the middle constant temperature(s)",
                         "needs three constant-temperature arms (low, middle, high)")]
    low, mid, high = [temps[0][1]], [a for _, a in temps[1:-1]], [temps[-1][1]]
    return [compare(s, claim, sec, low, mid, DIV, "change", -1),
            compare(s, claim, sec, high, mid, DIV, "jitter", +1)]


@_measure("TEMP-9")
def _temp_staged(s, claim, sec):
    constant, staged, _ = split_arms(s)
    staged = [a for a in staged if _schedule_kind(s, a) != "linear"]
    out = []
    for arm in staged:
        t = numeric(s.value(arm, "rollout.temperature"))
        same = [a for a in constant if t is not None and numeric(s.value(a, "rollout.temperature")) == t]
        out.append(compare(s, claim, sec, [arm], same[:1], ACC, "final", +1))
    return out or [_missing(claim, sec, "final test accuracy, staged − constant at its final temperature",
                            "no staged (low-to-high) temperature arm in the sweep")]


@_measure("TEMP-10")
def _temp_continuous(s, claim, sec):
    linear = [a for a in s.arms if _schedule_kind(s, a) == "linear"]
    _, staged, _ = split_arms(s)
    staged = [a for a in staged if a not in linear]
    if not linear:
        return [_missing(claim, sec, "linear vs staged temperature schedules",
                         "no arm with a linear (continuous) temperature schedule in the sweep: the temperature spec "
                         "defines none, as the study shows none")]
    return [compare(s, claim, sec, linear, staged, DIV, "jitter", +1),
            compare(s, claim, sec, linear, staged, ACC, "final", -1)]


# ---------------------------------------------------------------------------------------------- data (8_2)

@_measure("DATA-1")
def _data_gain(s, claim, sec):
    hard, easy = data_roles(s)
    return [compare(s, claim, sec, hard, easy, ACC, "change", +1)]


@_measure("DATA-2")
def _data_reward(s, claim, sec):
    hard, easy = data_roles(s)
    return [compare(s, claim, sec, hard, easy, REW, "mean", -1)]


@_measure("DATA-3")
def _data_generalise(s, claim, sec):
    hard, easy = data_roles(s)
    return [compare(s, claim, sec, hard, easy, REW, "change", 0, margin=REW_MARGIN),
            one_sample(s, claim, sec, hard, ACC, "change", +1)]


@_measure("DATA-4")
def _data_length(s, claim, sec):
    hard, easy = data_roles(s)
    return [compare(s, claim, sec, hard, easy, LEN, "growth", +1),
            compare(s, claim, sec, hard, easy, LEN, "final", +1)]


# ------------------------------------------------------------------------------------ context length (10_2)

LIMIT = "data.max_response_length"


def _constant_lengths(s: Sweep) -> list[str]:
    branched = {b for _, bs in families(s) for b in bs}
    return [a for a in s.arms if a not in branched]


@_measure("CTX-1")
def _ctx_accuracy(s, claim, sec):
    return [trend(s, claim, sec, _constant_lengths(s), LIMIT, ACC, "final", +1)]


@_measure("CTX-2")
def _ctx_growth(s, claim, sec):
    arms = _constant_lengths(s)
    return [trend(s, claim, sec, arms, LIMIT, LEN, "growth", +1), trend(s, claim, sec, arms, LIMIT, LEN, "final", +1)]


@_measure("CTX-3")
def _ctx_diversity(s, claim, sec):
    arms = _constant_lengths(s)
    return [trend(s, claim, sec, arms, LIMIT, DIV, "final", +1),
            relation(s, claim, sec, arms, (LEN, "final"), (DIV, "final"), +1)]


def _extensions(s: Sweep) -> list[tuple[str, str, str]]:
    """(parent, branch, the constant arm it extends to) for every branch of the sweep."""
    constant = _constant_lengths(s)
    return [(p, b, t) for p, bs in families(s) for b in bs if (t := target_arm(s, b, p, constant)) is not None]


@_measure("CTX-4")
def _ctx_persistent(s, claim, sec):
    ext = _extensions(s)
    if not ext:
        return [_missing(claim, sec, "extended branches − the constant arm they extend to",
                         "no extended (branch) arm with an identifiable target in the sweep")]
    out = []
    for target in dict.fromkeys(t for _, _, t in ext):
        branches = [b for _, b, t in ext if t == target]
        out += [compare(s, claim, sec, branches, [target], m, "final", -1) for m in (ACC, LEN, DIV)]
    return out


@_measure("CTX-5")
def _ctx_severity(s, claim, sec):
    sized = sorted(((numeric(s.value(p, LIMIT)), b) for p, b, _ in _extensions(s)
                    if numeric(s.value(p, LIMIT)) is not None), key=lambda x: x[0])
    if len({x for x, _ in sized}) < 2:
        return [_missing(claim, sec, "branch from the smallest initial length − branch from a larger one",
                         "needs branches from parents of two different initial lengths")]
    small = [b for x, b in sized if x == sized[0][0]]
    large = [b for x, b in sized if x == sized[-1][0]]
    return [compare(s, claim, sec, small, large, ACC, "final", -1),
            compare(s, claim, sec, small, large, LEN, "final", -1)]


@_measure("CTX-6")
def _ctx_irreversible(s, claim, sec):
    out = []
    for _, branches in families(s):
        steps = sorted({s.branch_step(b) for b in branches})
        if len(steps) >= 2:
            early = [b for b in branches if s.branch_step(b) == steps[0]]
            late = [b for b in branches if s.branch_step(b) == steps[-1]]
            out.append(compare(s, claim, sec, late, early, ACC, "final", -1))
    return out or [_missing(claim, sec, "later − earlier extension of one parent",
                            "no parent is extended at two different steps: the context_length spec extends each "
                            "parent at one step only, as the study's figure 10_2 does")]


# ---------------------------------------------------------------------------------- truncation mask (12_2)

def _rates(s: Sweep) -> tuple[dict[str, float], list[str], list[str], list[str], list[str]]:
    """(arm → masking rate: no mask 0, conditional ρ, mask-all 1; none, complete, conditional, main conditional)."""
    none, complete, cond = mask_roles(s)
    rate = {a: 0.0 for a in none} | {a: 1.0 for a in complete}
    rate |= {a: r for a in cond if (r := numeric(s.value(a, "mask.ratio"))) is not None}
    main = [s.meta.ours] if s.meta.ours in cond else cond[:1]
    return rate, none, complete, cond, main


@_measure("MASK-1")
def _mask_all(s, claim, sec):
    _, _, complete, _, _ = _rates(s)
    diff = {r: _run_mean(s, r, MASKED) - _run_mean(s, r, TRUNC) for a in complete for r in s.runs_of(a)}
    return [one_sample(s, claim, sec, complete, TRUNC, "mean", +1),
            per_run(s, claim, sec, f"mean masked − mean truncated fraction of {'+'.join(complete) or '?'} "
                                   "(expect ≈ 0 within ±0.01)", diff, 0, margin=0.01)]


@_measure("MASK-2")
def _mask_conditional(s, claim, sec):
    rate, _, _, cond, _ = _rates(s)
    room = {r: rate[a] * _run_mean(s, r, TRUNC) - _run_mean(s, r, MASKED) for a in cond if a in rate
            for r in s.runs_of(a)}
    return [one_sample(s, claim, sec, cond, MASKED, "mean", +1),
            per_run(s, claim, sec, "ratio × mean truncated − mean masked fraction of the conditional arms", room,
                    +1)]


@_measure("MASK-3")
def _mask_trajectory(s, claim, sec):
    _, none, complete, cond, _ = _rates(s)
    masked = cond + complete
    return [one_sample(s, claim, sec, masked, ACC, "drop", +1), compare(s, claim, sec, masked, none, ACC, "peak", +1)]


@_measure("MASK-4")
def _mask_length(s, claim, sec):
    rate = _rates(s)[0]
    return [trend(s, claim, sec, list(rate), "masking rate", LEN, "growth", +1, x=rate),
            trend(s, claim, sec, list(rate), "masking rate", LEN, "final", +1, x=rate)]


@_measure("MASK-5")
def _mask_peak_speed(s, claim, sec):
    rate, none, *_ = _rates(s)
    masked = [a for a in rate if a not in none]
    return [trend(s, claim, sec, masked, "masking rate", ACC, "peak_at", -1, x=rate)]


@_measure("MASK-6")
def _mask_peak_height(s, claim, sec):
    rate, none, *_ = _rates(s)
    masked = [a for a in rate if a not in none]
    return [trend(s, claim, sec, masked, "masking rate", ACC, "peak", -1, x=rate),
            trend(s, claim, sec, masked, "masking rate", ACC, "peak_at", -1, x=rate)]


@_measure("MASK-7")
def _mask_diversity(s, claim, sec):
    rate, _, complete, _, _ = _rates(s)
    return [trend(s, claim, sec, list(rate), "masking rate", DIV, "growth", -1, x=rate),
            trend(s, claim, sec, list(rate), "masking rate", DIV, "final", -1, x=rate),
            one_sample(s, claim, sec, complete, DIV, "rise", +1),
            one_sample(s, claim, sec, complete, DIV, "drop", +1)]


@_measure("MASK-8")
def _mask_stability(s, claim, sec):
    _, none, complete, _, main = _rates(s)
    return [compare(s, claim, sec, main, none, ACC, "final", +1),
            compare(s, claim, sec, main, complete, ACC, "final", +1),
            compare(s, claim, sec, complete, main, ACC, "drop", +1)]


# --------------------------------------------------------------------------------------- batch size (11_2)

def _batches(s: Sweep) -> list[str]:
    sized = [a for a in s.arms if numeric(s.value(a, "data.train_batch_size")) is not None]
    return sorted(sized, key=lambda a: numeric(s.value(a, "data.train_batch_size")))


@_measure("BATCH-2")
def _batch_policy(s, claim, sec):
    b = _batches(s)
    return [compare(s, claim, sec, b[:1], b[-1:] if len(b) > 1 else [], CLIP, "mean", -1)]


@_measure("BATCH-3")
def _batch_stability(s, claim, sec):
    b = _batches(s)
    small, large = b[:1], b[-1:] if len(b) > 1 else []
    return [compare(s, claim, sec, small, large, LEN, "drop", +1),
            compare(s, claim, sec, small, large, DIV, "change", -1),
            compare(s, claim, sec, small, large, ACC, "drop", +1)]


@_measure("BATCH-4")
def _batch_balance(s, claim, sec):
    b = _batches(s)
    if len(b) < 3:
        return [_missing(claim, sec, "intermediate batch − the extremes", "needs three batch sizes")]
    return [compare(s, claim, sec, b[1:-1], b[:1], ACC, "final", +1),
            compare(s, claim, sec, b[1:-1], b[-1:], ACC, "final", +1)]


# ------------------------------------------------------------------------------------------ KL and clip (9_2)

def _kl_roles(s: Sweep) -> tuple[list[str], list[str]]:
    nokl = arm_role(s, "actor.use_kl_loss", lambda v: v is False or str(v).lower() == "false", r"no.?kl")
    kl = arm_role(s, "actor.use_kl_loss", lambda v: v is True or str(v).lower() == "true", r"kl")
    return nokl, [a for a in kl if a not in nokl]


@_measure("KL-1")
def _kl_removal(s, claim, sec):
    nokl, kl = _kl_roles(s)
    return [compare(s, claim, sec, nokl, kl, DIV, "final", +1), compare(s, claim, sec, nokl, kl, LEN, "final", +1),
            compare(s, claim, sec, nokl, kl, ACC, "final", +1), compare(s, claim, sec, kl, nokl, ACC, "drop", +1)]


@_measure("KL-2")
def _kl_relation(s, claim, sec):
    return [relation(s, claim, sec, s.arms, (DIV, "change"), (ACC, "drop"), -1)]
