"""The study's claims, one function per section (figure), measured with `analysis.findings`' helpers.

Each function picks the arms a claim is about from their config values (falling back to arm names), then
measures one effect per claim. The claim texts quote or closely paraphrase shared/reference/microcoder-insights.md.
"""

from __future__ import annotations

from analysis.figures.context_length import families, target_arm
from analysis.figures.panels import arm_role, numeric
from analysis.figures.temperature import split_arms
from analysis.figures.truncation_mask import mask_roles
from analysis.effects import ACC, CLAIMS, DIV, LEN, REW, Finding, compare, one_sample, trend
from analysis.runs import Sweep


@CLAIMS.register("evaluator")
def evaluator_claims(s: Sweep) -> list[Finding]:
    sec = "Code Evaluator Robustness"
    robust = arm_role(s, "reward.evaluator", lambda v: v == "microcoder", r"microcoder|robust")
    strict = arm_role(s, "reward.evaluator", lambda v: v == "strict", r"strict|livecodebench|lcb")
    return [
        compare(s, "MicroCoder-Evaluator achieves higher critic reward", sec, robust, strict, REW, "mean", +1),
        compare(s, "MicroCoder-Evaluator gives faster test accuracy improvement and higher convergence", sec,
                robust, strict, ACC, "final", +1),
    ]


@CLAIMS.register("temperature")
def temperature_claims(s: Sweep) -> list[Finding]:
    sec = "Temperature Dynamics"
    constant, staged, parents = split_arms(s)
    out = [probe_diversity(s, sec) or trend(s, "Higher temperatures increase output diversity", sec, constant,
                                              "rollout.temperature", DIV, "initial", +1),
           one_sample(s, "Output diversity decreases at fixed temperatures as training progresses", sec, constant,
                      DIV, "change", -1)]
    for arm in staged:
        t = numeric(s.value(arm, "rollout.temperature"))
        same = [a for a in constant if t is not None and numeric(s.value(a, "rollout.temperature")) == t]
        out.append(compare(s, "Low-to-high temperature scheduling beats direct high-temperature training", sec,
                           [arm], same[:1], ACC, "final", +1))
    return out


def probe_diversity(s: Sweep, sec: str, claim: str = "Higher temperatures increase output diversity"):
    """Slope of probe diversity vs evaluation temperature, one value per probed (run, checkpoint); None without
    probe rows."""
    import numpy as np

    from analysis.smoothing import bootstrap_mean

    slopes = []
    for run in s.records:
        rows = [r for r in s.probe(run, "temperature") if isinstance(r.get("diversity"), (int, float))]
        for step in sorted({r.get("step") for r in rows}):
            pts = [(float(r["temperature"]), float(r["diversity"])) for r in rows if r.get("step") == step]
            if len({p[0] for p in pts}) >= 2:
                x, y = np.array(pts).T
                slopes.append(np.polyfit(x, y, 1)[0])
    if not slopes:
        return None
    eff, low, high = bootstrap_mean(slopes)
    f = Finding(claim, sec,
                "slope of probe diversity vs evaluation temperature (per probed checkpoint)", eff, low, high,
                f"{len(slopes)} checkpoints", "cannot tell")
    if np.isfinite(low):
        f.verdict = "supports" if low > 0 else "contradicts" if high < 0 else "cannot tell"
        f.note = "CI over probed checkpoints" + (" (includes 0)" if f.verdict == "cannot tell" else "")
    else:
        f.note = "one probed checkpoint: no CI"
    return f


def data_roles(s: Sweep) -> tuple[list[str], list[str]]:
    """(arms trained on the harder data, the other arms): MicroCoder-Dataset, or at micro scale the micro suite's
    hard tier (`data.train: micro-hard`, the data spec's analogue), by config value, else by arm name."""
    hard = arm_role(s, "data.train", lambda v: any(k in str(v).lower() for k in ("microcoder", "hard")),
                    r"microcoder|hard")
    return hard, [a for a in s.arms if a not in hard]


@CLAIMS.register("data")
def data_claims(s: Sweep) -> list[Finding]:
    sec = "Data Quality"
    micro, other = data_roles(s)
    return [
        compare(s, "MicroCoder dataset yields lower critic rewards (harder problems)", sec, micro, other, REW,
                "mean", -1),
        compare(s, "MicroCoder dataset drives larger test accuracy gains", sec, micro, other, ACC, "change", +1),
        compare(s, "Harder problems grow response length faster", sec, micro, other, LEN, "change", +1),
    ]


@CLAIMS.register("context_length")
def context_length_claims(s: Sweep) -> list[Finding]:
    sec = "Context Length and Extension"
    fams = families(s)
    branched = {b for _, bs in fams for b in bs}
    constant = [a for a in s.arms if a not in branched]
    key = "data.max_response_length"
    out = [trend(s, "Longer maximum output lengths give higher final accuracy", sec, constant, key, ACC, "final", +1),
           trend(s, "Larger maximum output lengths give greater final output lengths", sec, constant, key, LEN,
                 "final", +1),
           trend(s, "Larger maximum output lengths give higher output diversity", sec, constant, key, DIV, "final",
                 +1)]
    for parent, branches in fams:
        for b in branches:
            t = target_arm(s, b, parent, constant)
            out.append(compare(s, "A small initial maximum length leaves a persistent deficit after extension",
                               sec, [b], [t] if t else [], ACC, "final", -1))
    return out


@CLAIMS.register("truncation_mask")
def truncation_mask_claims(s: Sweep) -> list[Finding]:
    sec = "Truncation Mask"
    none, complete, cond = mask_roles(s)
    main = [s.meta.ours] if s.meta.ours in cond else cond[:1]
    return [
        compare(s, "Complete masking accelerates response length growth", sec, complete, none, LEN, "growth", +1),
        compare(s, "Complete masking ends in a diversity collapse", sec, complete, none, DIV, "final", -1),
        compare(s, "Conditional masking reaches higher final accuracy than no masking", sec, main, none, ACC,
                "final", +1),
        compare(s, "Conditional masking reaches higher final accuracy than complete masking", sec, main, complete,
                ACC, "final", +1),
        trend(s, "Higher masking rates accelerate response length growth", sec, cond, "mask.ratio", LEN, "growth",
              +1),
        trend(s, "Higher masking rates lower diversity", sec, cond, "mask.ratio", DIV, "final", -1),
    ]


@CLAIMS.register("batch_size")
def batch_size_claims(s: Sweep) -> list[Finding]:
    sec = "Batch Size and On-Policy"
    sized = sorted((a for a in s.arms if numeric(s.value(a, "data.train_batch_size")) is not None),
                   key=lambda a: numeric(s.value(a, "data.train_batch_size")))
    if len(sized) < 3:
        return [compare(s, "Intermediate batch sizes outperform both extremes", sec, [], [], ACC, "final", +1)]
    mid = sized[1:-1]
    return [
        compare(s, "Intermediate batch sizes outperform the most on-policy (smallest) setting", sec, mid,
                sized[:1], ACC, "final", +1),
        compare(s, "Intermediate batch sizes outperform the most off-policy (largest) setting", sec, mid,
                sized[-1:], ACC, "final", +1),
        compare(s, "On-policy training: response length rises then declines (a larger drop from its peak)", sec,
                sized[:1], sized[-1:], LEN, "drop", +1),
    ]


@CLAIMS.register("kl_clip")
def kl_clip_claims(s: Sweep) -> list[Finding]:
    sec = "KL Loss and Clip Ratio"
    nokl = arm_role(s, "actor.use_kl_loss", lambda v: v is False or str(v).lower() == "false", r"no.?kl")
    kl = arm_role(s, "actor.use_kl_loss", lambda v: v is True or str(v).lower() == "true", r"kl")
    kl = [a for a in kl if a not in nokl]
    return [
        compare(s, "Removing the KL loss with clip-high keeps output diversity", sec, nokl, kl, DIV, "final", +1),
        compare(s, "Removing the KL loss with clip-high grows response length", sec, nokl, kl, LEN, "final", +1),
        compare(s, "Removing the KL loss with clip-high sustains accuracy gains (KL: rise then decline)", sec,
                nokl, kl, ACC, "final", +1),
    ]


@CLAIMS.register("generations")
def generations_claims(s: Sweep) -> list[Finding]:
    sec = "Motivation (model generations)"
    if len(s.arms) < 2:
        return [one_sample(s, "Response length trends upward during training", sec, s.arms, LEN, "change", +1)]
    old, new = s.arms[0], s.arms[-1]
    return [
        compare(s, "Newer generations produce longer outputs", sec, [new], [old], LEN, "mean", +1),
        one_sample(s, "The newer generation's response length trends upward during training", sec, [new], LEN,
                   "change", +1),
    ]


@CLAIMS.register("algorithms")
def algorithms_claims(s: Sweep) -> list[Finding]:
    from analysis.figures.algorithms import groups

    sec = "MicroCoder-GRPO (algorithm paper)"
    out = []
    for title, view in groups(s):
        ours = s.meta.ours if s.meta.ours in view.arms else (view.arms[-1] if view.arms else None)
        if ours is None:
            continue
        head = f"[{title}] " if title else ""
        for other in [a for a in view.arms if a != ours]:
            out.append(compare(view, f"{head}{view.label(ours)} reaches higher test accuracy than "
                                     f"{view.label(other)}", sec, [ours], [other], ACC, "final", +1))
        grpo = [a for a in view.arms if a.lower() == "grpo" or view.label(a).lower() == "grpo"]
        if grpo and grpo[0] != ours:
            out.append(compare(view, f"{head}{view.label(ours)} keeps response diversity where GRPO's declines",
                               sec, [ours], grpo[:1], DIV, "final", +1))
    return out


@CLAIMS.register("overview")
def overview_claims(s: Sweep) -> list[Finding]:
    constant, _, _ = split_arms(s)  # arms trained at one fixed temperature (no branch, no schedule)
    return [
        one_sample(s, "Training improves test accuracy (on a fixed test set)", "sanity check", s.arms, ACC,
                   "change", +1),
        one_sample(s, "Output diversity decreases at fixed temperatures as training progresses",
                   "Temperature Dynamics", constant, DIV, "change", -1),
    ]
