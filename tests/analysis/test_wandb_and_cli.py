"""W&B online loading (caching and normalisation) and the `microcoder figures` command with its report."""

from __future__ import annotations

import numpy as np
import yaml

from analysis.loading import load
from analysis.wandb_loading import history_columns
from microcoder.cli import main


class FakeRun:
    def __init__(self, run_id, name, job_type, rows, config):
        self.id, self.name, self.group, self.job_type, self.state = run_id, name, "kl_clip", job_type, "finished"
        self._rows, self.config = rows, config
        self.scanned = 0

    def scan_history(self):
        self.scanned += 1
        return iter(self._rows)

    def history(self, *a, **k):  # the sampled history must not be used
        raise AssertionError("history() is sampled; use scan_history()")


class FakeApi:
    """Stands in for wandb.Api (the service is unreachable here): only runs(path, filters) is used."""

    def __init__(self, runs):
        self._runs, self.calls = runs, []

    def runs(self, path, filters=None):
        self.calls.append((path, filters))
        return [r for r in self._runs if not filters or r.group == filters.get("group")]


class NoNetwork:
    def runs(self, *a, **k):
        raise AssertionError("the cache should have answered")


def test_wandb_online_fetches_full_history_once_then_reads_the_parquet_cache(tmp_path):
    """Small on purpose: wandb.Api cannot be reached here, so a fake with its documented attributes is used."""
    rows = [{"_step": s, "_runtime": 1.0 * s, "train/accuracy": s / 10, "test/accuracy": (0.5 if s % 2 == 0 else None),
             "media": {"_type": "image"}, "flag": True} for s in range(5)]
    run = FakeRun("abc123", "kl-s0", "kl", rows, {"actor": {"use_kl_loss": True}, "_wandb": {"x": 1},
                                                 "trainer": {"value": {"seed": 3}}})
    api = FakeApi([run])
    runs = load(wandb="me/proj", group="kl_clip", cache_dir=tmp_path, api=api)
    assert api.calls == [("me/proj", {"group": "kl_clip"})] and run.scanned == 1
    s = runs.sweep("kl_clip")
    assert s.arms == ["kl"] and list(s.table["source"]) == ["wandb"] and list(s.table["seed"]) == [0]
    steps, vals = s.run_series("kl-s0", "train/accuracy")
    assert list(steps) == [0, 1, 2, 3, 4] and list(vals) == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert list(s.run_series("kl-s0", "test/accuracy")[0]) == [0, 2, 4]
    assert not s.has("_runtime") and not s.has("media") and s.has("flag")
    assert list((tmp_path / "me__proj" / "kl_clip").glob("*.parquet"))
    again = load(wandb="me/proj", group="kl_clip", cache_dir=tmp_path, api=NoNetwork())
    np.testing.assert_array_equal(again.sweep("kl_clip").run_series("kl-s0", "train/accuracy")[1], vals)
    load(wandb="me/proj", group="kl_clip", cache_dir=tmp_path, api=api, refresh=True)
    assert run.scanned == 2


def test_wandb_history_normalisation_keeps_the_last_row_of_a_step():
    steps, cols = history_columns([{"_step": 1, "a": 1.0}, {"_step": 0, "a": 0.0}, {"_step": 1, "a": 2.0}])
    assert list(steps) == [0, 1] and list(cols["a"]) == [0.0, 2.0]


def test_figures_command_draws_every_sweep_and_writes_the_report(study_root, tmp_path):
    out = tmp_path / "figs"
    assert main(["figures", str(study_root), "--out", str(out), "--note", "commit: `abc`", "--note", "by hand"]) == 0
    for sweep, figure in (("kl_clip", "kl_clip"), ("context_length", "context_length"),
                          ("temperature", "temperature"), ("algorithms", "algorithms"), ("demo", "overview"),
                          ("evaluator", "evaluator"), ("batch_size", "batch_size"), ("generations", "generations"),
                          ("truncation_mask", "truncation_mask")):
        assert (out / sweep / f"{figure}.png").stat().st_size > 10_000
    assert (out / "algorithms" / "results_table.png").exists()
    md = (out / "report.md").read_text()
    assert md.startswith("# MicroCoder study report\n\n- commit: `abc`\n- by hand\n")  # the notes head it
    assert "## Sweep `kl_clip`" in md and "![kl_clip: kl_clip](kl_clip/kl_clip.png)" in md
    assert "Removing the KL loss with clip-high keeps output diversity" in md and "✅ supports" in md
    assert "| No KL Loss Clip High | `nokl` | 2 | 2 finished |" in md
    assert "from 4k at step 10" in md  # context_length's branch in the settings table
    assert "no status.json" in md  # the demo run without one is listed, not fatal
    spec = md[md.index("## Sweep `kl_clip`"):].split("### Spec\n", 1)[1].split("```yaml\n", 1)[1].split("```")[0]
    assert yaml.safe_load(spec)["name"] == "kl_clip" and "\nname: kl_clip\n" in "\n" + spec  # a YAML block
    page = (out / "report.html").read_text()
    assert "<img src='kl_clip/kl_clip.png'" in page and "<table>" in page


def test_figures_command_rejects_bad_options(study_root, tmp_path, capsys):
    assert main(["figures", str(study_root), "--out", str(tmp_path), "--figure", "kl_clipp"]) == 2
    assert "valid:" in capsys.readouterr().err
    assert main(["figures", str(study_root), "--format", "gif"]) == 2
    assert main(["figures", str(tmp_path / "empty")]) == 1


def test_figures_command_can_draw_one_figure_by_study_number(study_root, tmp_path):
    out = tmp_path / "one"
    assert main(["figures", str(study_root / "kl_clip"), "--out", str(out), "--figure", "9_2", "--no-report",
                 "--format", "png,pdf,svg"]) == 0
    assert sorted(p.name for p in (out / "kl_clip").iterdir()) == ["kl_clip.pdf", "kl_clip.png", "kl_clip.svg"]
    assert (out / "kl_clip" / "kl_clip.pdf").read_bytes().startswith(b"%PDF")
    assert not (out / "report.md").exists()


def test_drawing_sweeps_in_parallel_processes_gives_the_serial_result(study, tmp_path):
    import dataclasses

    from analysis.cli import draw_all

    few = dataclasses.replace(study, sweeps={k: study.sweeps[k] for k in ("kl_clip", "demo", "algorithms")})
    serial = draw_all(few, tmp_path / "a", jobs=1, log=lambda *_: None)
    forked = draw_all(few, tmp_path / "b", jobs=2, log=lambda *_: None)
    assert len(serial) == 6  # kl_clip, overview, algorithms + its table, report.md, report.html
    assert [p.relative_to(tmp_path / "a") for p in serial] == [p.relative_to(tmp_path / "b") for p in forked]
    assert (tmp_path / "a" / "report.md").read_text() == (tmp_path / "b" / "report.md").read_text()
