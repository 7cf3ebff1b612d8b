"""Each study figure's data, read back from the matplotlib objects (lines, labels, bands, branch offsets)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.figures import FIGURES, STUDY_IDS, DrawOptions, figure_name, figures_for
from analysis.smoothing import ema

OPTS = DrawOptions(smoothing=0.6)


def draw(study, sweep, figure=None):
    s = study.sweep(sweep)
    return FIGURES.get(figure or figures_for(s)[0][0]).draw(s, OPTS)


def line(ax, gid):
    found = [ln for ln in ax.get_lines() if ln.get_gid() == gid]
    assert found, f"no line {gid!r} in {[ln.get_gid() for ln in ax.get_lines()]}"
    return found[0]


def legend_texts(ax):
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg else []


def test_every_study_figure_is_registered_under_its_number():
    assert STUDY_IDS == {"1_0": "generations", "6_4": "evaluator", "7_2": "temperature", "8_2": "data",
                         "9_2": "kl_clip", "10_2": "context_length", "11_2": "batch_size",
                         "12_2": "truncation_mask", "13": "algorithms"}
    assert figure_name("9.2") == "kl_clip" and figure_name("kl_clip") == "kl_clip"
    with pytest.raises(KeyError, match="valid: .*kl_clip"):
        figure_name("kl_clipp")


def test_a_sweep_maps_to_its_figure_by_sweep_json_then_folder_name_then_overview(study):
    assert figures_for(study.sweep("kl_clip"))[0] == ["kl_clip"]  # sweep.json figure 9_2
    assert figures_for(study.sweep("truncation_mask"))[0] == ["truncation_mask"]  # folder name
    demo, _ = figures_for(study.sweep("demo"))
    assert demo[0] == "overview" and "evaluator" not in demo  # the demo fixture logs no phase timings


def test_training_metric_is_a_faint_raw_line_under_its_ema_with_a_seed_band(study, fx):
    fig = draw(study, "kl_clip")
    ax = fig.axes[2]
    assert ax.get_ylabel() == "Response Diversity" and ax.get_xlabel() == "Training Steps"
    raw, smooth = line(ax, "raw:kl"), line(ax, "smooth:kl")
    steps = np.arange(1, fx.STEPS + 1)
    per_seed = np.array([[fx.known("train/response_diversity", 0, s, t, div_slope=-0.01) for t in steps]
                         for s in (0, 1)])
    np.testing.assert_allclose(raw.get_xdata(), steps)
    np.testing.assert_allclose(raw.get_ydata(), per_seed.mean(axis=0))
    np.testing.assert_allclose(smooth.get_ydata(), np.mean([ema(r, 0.6) for r in per_seed], axis=0))
    assert raw.get_alpha() < 1 and smooth.get_linewidth() > raw.get_linewidth()
    assert any(c.get_gid() == "band:kl" for c in ax.collections)  # two seeds: a band
    assert legend_texts(ax) == ["KL Loss", "No KL Loss Clip High"]  # as the spec names the arms


def test_test_accuracy_is_drawn_unsmoothed_at_its_test_steps(study, fx):
    ax = draw(study, "kl_clip").axes[0]
    acc = line(ax, "test:nokl")
    steps = np.arange(0, fx.STEPS + 1, fx.TEST_EVERY)
    np.testing.assert_allclose(acc.get_xdata(), steps)
    want = np.mean([[fx.known("test/accuracy", 1, s, t, acc_slope=0.002) for t in steps] for s in (0, 1)], axis=0)
    np.testing.assert_allclose(acc.get_ydata(), want)
    assert ax.get_ylabel() == "Accuracy"


def test_one_seed_gets_no_band(study):
    ax = draw(study, "context_length").axes[1 * 2]  # any panel: every arm has one seed
    assert not [c for c in ax.collections if str(c.get_gid()).startswith("band:")]


def test_branch_run_is_drawn_from_its_branch_step_beside_its_parent(study, fx):
    fig = draw(study, "context_length")
    axes = np.array(fig.axes).reshape(3, 2)
    const, ext = axes[1, 0], axes[1, 1]  # response length: constant arms | the 4k family
    assert {ln.get_gid() for ln in const.get_lines()} >= {"smooth:4k", "smooth:8k"}
    assert "smooth:4to8k" not in {ln.get_gid() for ln in const.get_lines()}
    branch = line(ext, "raw:4to8k")
    assert branch.get_xdata()[0] == 10  # the branch step
    assert branch.get_ydata()[0] == fx.known("train/response_length", 0, 0, 10)  # the parent's value there
    assert branch.get_ydata()[1] == fx.known("train/response_length", 1, 0, 11)
    parent = line(ext, "raw:4k")
    assert parent.get_xdata()[0] == 1
    bold_branch, bold_parent = line(ext, "smooth:4to8k"), line(ext, "smooth:4k")
    at = list(bold_parent.get_xdata()).index(10)
    assert bold_branch.get_ydata()[0] == pytest.approx(bold_parent.get_ydata()[at])  # the EMA carries on
    acc = line(axes[0, 1], "test:4to8k")
    assert acc.get_xdata()[0] == 10 and list(acc.get_xdata()[1:]) == [20, 30]


def test_context_length_max_line_is_the_target_arms_best_accuracy(study, fx):
    ax = np.array(draw(study, "context_length").axes).reshape(3, 2)[0, 1]
    maxes = [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("max:")]
    assert len(maxes) == 1 and maxes[0].get_label() == "8k Max"
    best = max(fx.known("test/accuracy", 2, 0, t, acc_slope=0.001) for t in range(0, fx.STEPS + 1, fx.TEST_EVERY))
    assert maxes[0].get_ydata()[0] == pytest.approx(best)
    assert maxes[0].get_linestyle() == "--"


def test_temperature_probe_panels_and_staged_runs(study):
    fig = draw(study, "temperature")
    axes = np.array(fig.axes).reshape(2, 3)
    first, last = line(axes[0, 0], "probe_accuracy:t0.6:0"), line(axes[0, 0], "probe_accuracy:t0.6:30")
    np.testing.assert_allclose(first.get_xdata(), [0.6, 1.0, 1.4])
    np.testing.assert_allclose(last.get_ydata(), [0.5 - 0.1 * t + 0.3 for t in (0.6, 1.0, 1.4)])
    assert first.get_linestyle() == "--" and last.get_linestyle() == "-"
    assert legend_texts(axes[0, 0]) == ["t=0.6 0s", "t=0.6 30s"]
    div = line(axes[1, 0], "probe_diversity:t0.6:0")
    np.testing.assert_allclose(div.get_ydata(), [0.3 + 0.4 * t for t in (0.6, 1.0, 1.4)])
    constant = {ln.get_gid() for ln in axes[0, 1].get_lines()}
    assert "test:t0.6" in constant and "test:t1.2" in constant and "test:t0.6-1.2" not in constant
    assert "max:t=1.2 max" in constant and "max:t=0.6 max" not in constant  # t0.6 is the staged arm's parent
    staged = line(axes[1, 2], "raw:t0.6-1.2")
    assert staged.get_xdata()[0] == 10
    assert line(axes[1, 2], "smooth:t0.6-1.2").get_color() == line(axes[1, 1], "smooth:t1.2").get_color()


def test_truncation_mask_rows_by_mask_mode_with_relative_data_accuracy(study):
    axes = np.array(draw(study, "truncation_mask").axes).reshape(2, 3)
    top = {ln.get_gid() for ln in axes[0, 1].get_lines() if str(ln.get_gid()).startswith("smooth:")}
    bottom = {ln.get_gid() for ln in axes[1, 1].get_lines() if str(ln.get_gid()).startswith("smooth:")}
    assert top == {"smooth:none", "smooth:cond-0.1", "smooth:complete"}
    assert bottom == {"smooth:cond-0.1", "smooth:cond-0.3"}
    assert axes[0, 0].get_xlabel() == "Relative Data" and axes[0, 1].get_xlabel() == "Training Steps"
    labels = {ln.get_label() for ln in axes[1, 0].get_lines()}
    assert {"complete Max", "none Max"} <= labels
    assert line(axes[0, 1], "smooth:none").get_color() != line(axes[0, 1], "smooth:complete").get_color()


def test_batch_size_x_axis_is_prompts_seen_over_the_smallest_batch(study, fx):
    ax = draw(study, "batch_size").axes[1]
    small, big = line(ax, "raw:b32"), line(ax, "raw:b64")
    assert ax.get_xlabel() == "Relative Data"
    np.testing.assert_allclose(small.get_xdata(), np.arange(1, fx.STEPS + 1))  # 32 · step / 32
    np.testing.assert_allclose(big.get_xdata(), 2 * np.arange(1, fx.STEPS + 1))  # 64 · step / 32


def test_evaluator_timeline_spans_are_median_phase_times(study, fx):
    fig = draw(study, "evaluator")
    timeline = [ax for ax in fig.axes if any(str(p.get_gid()).startswith("phase:") for p in ax.patches)]
    assert len(timeline) == 2
    robust = next(ax for ax in timeline if any(str(p.get_gid()).endswith(":robust") for p in ax.patches))
    spans = {p.get_gid().split(":")[1]: p for p in robust.patches}
    rollout = np.median([2.0 + 0.01 * s for s in range(1, fx.STEPS + 1)])
    x_reward = spans["reward"].get_x() if hasattr(spans["reward"], "get_x") else None
    assert x_reward == pytest.approx(rollout)
    assert spans["reward"].get_width() == pytest.approx(3.0)
    mem = line(robust, "memory:robust")
    assert list(mem.get_ydata()) == [4.0, 4.0, 1.0, 1.0, 3.0, 3.0]
    assert {t.get_text() for t in fig.legends[0].get_texts()} == {"Inference", "Reward", "Model Update"}


def test_generations_twin_accuracy_axes_and_length_density(study, fx):
    fig = draw(study, "generations")
    acc = fig.axes[0]  # two arms: one accuracy axis each (arms in natural order without sweep.json: new, old)
    twin = next(a for a in fig.axes if a is not acc and a.bbox.bounds == acc.bbox.bounds)
    assert acc.get_ylabel() == "new Accuracy" and twin.get_ylabel() == "old Accuracy"
    assert line(acc, "test:new").get_color() == acc.yaxis.label.get_color()
    assert line(twin, "test:old").get_xdata()[-1] == fx.STEPS
    dens_ax = next(a for a in fig.axes if a.get_ylabel() == "Density")
    d = line(dens_ax, "density:new")
    x, y = d.get_xdata(), d.get_ydata()
    assert np.trapezoid(y, x) == pytest.approx(1.0, abs=0.05)
    assert x[np.argmax(y)] == pytest.approx(np.mean([15 + k % 7 for k in range(40)]), abs=4)


def test_algorithms_grid_has_one_row_per_model(study):
    fig = draw(study, "algorithms")
    titles = [a.get_title() for a in fig.axes]
    assert titles[0] == "big, Train on 64, Test on 64" and titles[3] == "small, Train on 64, Test on 64"
    assert len(fig.axes) == 6
    assert legend_texts(fig.axes[0]) == ["GRPO", "DAPO", "MicroCoder-GRPO"]


def test_every_figure_draws_on_sweeps_it_was_not_made_for(study):
    for sweep in ("demo", "context_length", "algorithms"):  # no sweep.json / branches / a grid and the table
        for name in FIGURES:
            assert FIGURES.get(name).draw(study.sweep(sweep), OPTS).axes


def test_a_panel_without_its_metric_says_so(study):
    fig = FIGURES.get("evaluator").draw(study.sweep("kl_clip"), OPTS)  # kl_clip logged no phase timings
    assert any(t.get_gid() == "no_data" for ax in fig.axes for t in ax.texts)


def test_each_figure_draws_the_panels_of_its_layout(study):
    """The layout (the panel definitions the W&B dashboards are built from too) is what the figure draws: every
    one-metric curve of its figure rows is an axes with the layout's x and y labels."""
    sweeps = {"kl_clip", "context_length", "temperature", "truncation_mask", "batch_size", "evaluator",
              "generations", "algorithms"}
    for name in FIGURES:
        spec = FIGURES.get(name)
        fig = spec.draw(study.sweep(name if name in sweeps else "kl_clip"), OPTS)
        drawn = {(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes}
        for curve in spec.layout.curves(figure_only=True):
            if len(curve.y) == 1:
                assert any(x == curve.xlabel and y.endswith(curve.ylabel) for x, y in drawn), (name, curve, drawn)
