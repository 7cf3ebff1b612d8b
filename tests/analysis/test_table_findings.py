"""The results table (values, bold best, Δ) and the findings (effects, bootstrap CIs, verdicts)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.effects import compare, one_sample, run_stat, trend
from analysis.findings import findings
from analysis.table import draw_table, results_table, to_markdown


def test_results_table_holds_last_test_step_values_best_in_bold_and_a_delta_row(study, fx):
    table = results_table(study.sweep("algorithms"))
    assert [b.title for b in table.blocks] == ["big", "small"]
    assert table.columns == [("atcoder", "easy"), ("atcoder", "hard"), ("atcoder", "All"),
                             ("leetcode", "easy"), ("leetcode", "hard"), ("leetcode", "All"), ("Overall", "")]
    small = table.blocks[1]
    rows = {r.label: r for r in small.rows}
    assert list(rows) == ["Not trained", "GRPO", "DAPO", "MicroCoder-GRPO", "Δ (MicroCoder-GRPO − best other)"]
    last = fx.STEPS / 1000
    assert rows["DAPO"].values[("atcoder", "hard")] == pytest.approx(100 * (0.1 + last + 0.001))
    assert rows["Not trained"].values[("leetcode", "easy")] == pytest.approx(100 * (0.1 + 0.01))  # mean of arms
    assert rows["Not trained"].values[("leetcode", "easy")] != rows["GRPO"].values[("leetcode", "easy")]
    assert rows["MicroCoder-GRPO"].values[("atcoder", "All")] == pytest.approx(100 * (0.2 + last + 0.0005))
    assert rows["MicroCoder-GRPO"].bold == set(table.columns)
    assert rows["Δ (MicroCoder-GRPO − best other)"].values[("atcoder", "easy")] == pytest.approx(10.0)
    overall = rows["GRPO"].values[("Overall", "")]
    assert overall == pytest.approx(100 * fx.known("test/accuracy", 0, 0, fx.STEPS))


def test_results_table_renders_as_markdown_and_as_an_image(study):
    table = results_table(study.sweep("algorithms"))
    md = to_markdown(table)
    assert "| AtCoder Easy |" in md.splitlines()[0] and "**MicroCoder-GRPO**" in md and "+10.0" in md
    fig = draw_table(table)
    texts = [t.get_text() for t in fig.axes[0].tables[0].get_celld().values() for t in [t.get_text()]]
    assert "MicroCoder-GRPO" in texts and "+10.0" in texts
    assert results_table(study.sweep("kl_clip")) is None  # no per-platform accuracies logged


def test_run_statistics_by_hand(study, fx):
    s = study.sweep("truncation_mask")
    slope = 4.0  # cond-0.3 grows its length by 4 tokens a step
    assert run_stat(s, "cond-0.3-s0", "train/response_length", "growth") == pytest.approx(100 * slope)
    final = np.mean([fx.known("train/response_length", 2, 0, t, len_slope=slope) for t in range(25, 31)])
    assert run_stat(s, "cond-0.3-s0", "train/response_length", "final") == pytest.approx(final)
    with pytest.raises(ValueError, match="valid"):
        run_stat(s, "cond-0.3-s0", "train/response_length", "median")


def test_separated_seeds_support_a_claim_and_one_seed_cannot_tell(study):
    kl = study.sweep("kl_clip")
    f = compare(kl, "no KL keeps diversity", "KL", ["nokl"], ["kl"], "train/response_diversity", "final", +1)
    assert f.verdict == "supports" and f.low > 0 and f.seeds == "2 vs 2"
    against = compare(kl, "KL keeps diversity", "KL", ["kl"], ["nokl"], "train/response_diversity", "final", +1)
    assert against.verdict == "contradicts"
    ctx = study.sweep("context_length")
    single = compare(ctx, "x", "y", ["8k"], ["4k"], "test/accuracy", "final", +1)
    assert single.verdict == "cannot tell" and np.isnan(single.low) and "the claim's way" in single.note
    missing = compare(ctx, "x", "y", [], ["4k"], "test/accuracy", "final", +1)
    assert missing.verdict == "cannot tell" and "not identified" in missing.note


def test_trend_is_the_slope_against_a_config_value(study):
    s = study.sweep("truncation_mask")
    f = trend(s, "higher ratio grows length faster", "TM", ["cond-0.1", "cond-0.3"], "mask.ratio",
              "train/response_length", "growth", +1)
    assert f.effect == pytest.approx((400 - 200) / (0.3 - 0.1))  # growth per 100 steps vs ratio
    assert f.verdict == "cannot tell"  # one seed each: no CI


def test_study_claims_are_measured_for_each_figure(study):
    kl = {f.claim: f for f in findings(study.sweep("kl_clip"), "kl_clip")}
    assert kl["Removing the KL loss with clip-high keeps output diversity"].verdict == "supports"
    tm = {f.claim: f for f in findings(study.sweep("truncation_mask"), "truncation_mask")}
    growth = tm["Complete masking accelerates response length growth"]
    assert growth.effect == pytest.approx(600.0) and "Mask" not in growth.measure  # complete − none by config
    ev = findings(study.sweep("evaluator"), "evaluator")
    assert ev[0].measure.endswith("robust − strict")  # picked by reward.evaluator
    assert ev[0].effect == pytest.approx(-0.1) and ev[0].verdict == "contradicts"  # the fixture's robust arm is lower
    demo = findings(study.sweep("demo"), "overview")
    assert [f.claim for f in demo][0].startswith("Training improves test accuracy")
    assert one_sample(study.sweep("demo"), "c", "s", [], "test/accuracy", "change", +1).verdict == "cannot tell"
    assert findings(study.sweep("demo"), "no-such-figure") == []


def test_delta_row_only_for_a_named_or_algorithms_ours_arm(tmp_path, fx):
    from analysis.loading import load_run_store

    for i, arm in enumerate(("a", "b")):
        fx.write_run(tmp_path, "sw", f"{arm}-s0", [(0, {"test/accuracy/atcoder/easy": 0.1 * i})], {})
    s = load_run_store([tmp_path]).sweep("sw")
    assert [r.kind for r in results_table(s).blocks[0].rows] == ["base", "arm", "arm"]
    with_delta = results_table(s, last_is_ours=True).blocks[0].rows
    assert with_delta[-1].kind == "delta" and with_delta[-1].values[("atcoder", "easy")] == pytest.approx(10.0)


def test_a_one_seed_sweep_gets_no_verdict_from_its_figure_even_with_a_ci_over_probed_checkpoints(study):
    from analysis.findings import ONE_SEED_NOTE

    found = findings(study.sweep("temperature"), "temperature")  # one seed per arm, a probe at two checkpoints
    probe = next(f for f in found if "probe" in f.measure)
    assert np.isfinite(probe.low) and probe.low > 0  # the checkpoints agree: without the rule this would support
    assert probe.verdict == "cannot tell" and ONE_SEED_NOTE in probe.note
    assert all(f.verdict == "cannot tell" for f in found)
