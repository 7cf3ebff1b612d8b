"""`make reproduce` end to end on a tiny budget (slow; runs in CI): one study spec, 2 steps, one seed — its sweep on
a real local Ray, its probes, its figure and the report; then the same command again continues (nothing redone)."""

import re
import subprocess
from pathlib import Path

import pytest

from microcoder.run_store import RunStore
from sweeps.reproduce import ProbeJob, _probe_steps, _probed, budget, plan_study, study_specs

REPO = Path(__file__).resolve().parents[2]


def test_shrunk_plan_cuts_steps_seeds_and_moves_branches():
    (path,) = study_specs(only=["temperature"])
    plan = plan_study(path, steps=4, seeds=1)
    assert {r.seed for r in plan.runs} == {0} and all(r.total_steps == 4 for r in plan.runs)
    assert {r.at_step for r in plan.runs if r.parent} == {2}
    full = plan_study(path)
    assert len({r.seed for r in full.runs}) == 3 and full.spec.scale == "micro"
    assert budget([plan], cores=2)["estimated_s"] < budget([full], cores=2)["estimated_s"]


def test_unknown_spec_name_is_refused_with_the_valid_ones():
    from sweeps.spec import SpecError

    with pytest.raises(SpecError, match=r"no study spec named 'kl-clip' \(valid: .*kl_clip"):
        study_specs(only=["kl-clip"])


def test_probes_take_the_listed_steps_that_exist_and_always_the_last_checkpoint():
    job = ProbeJob("temperature", steps="0,12,24", temperatures=(0.6, 1.8))
    assert _probe_steps(job, [0, 12, 24]) == [0, 12, 24]
    assert _probe_steps(job, [0, 12, 17]) == [0, 12, 17]  # stopped early by a rule: no step 24
    assert _probe_steps(ProbeJob("lengths"), [0, 12, 24]) == [24] and _probe_steps(job, []) == []
    rows = [{"step": 0, "temperature": 0.6}, {"step": 0, "temperature": 1.8}, {"step": 12, "temperature": 0.6}]
    assert _probed(job, rows) == {0}  # step 12 was cut off after one temperature: probed again


def test_smoke_runs_go_to_their_own_folders_and_bad_addresses_are_refused(tmp_path, capsys):
    from microcoder.cli import main

    with pytest.raises(SystemExit):
        main(["sweep", "reproduce", "--only", "kl_clip", "--steps", "1"])
    assert "must be >= 2" in capsys.readouterr().err
    assert main(["sweep", "reproduce", "--only", "kl_clip", "--steps", "2", "--dry-run"]) == 0
    assert "runs in runs/reproduce-smoke, figures and report in figures/reproduce-smoke" in capsys.readouterr().out
    assert main(["sweep", "reproduce", "--only", "kl_clip", "--dry-run"]) == 0
    assert "runs in runs/reproduce, figures and report in figures/reproduce" in capsys.readouterr().out
    assert main(["sweep", "reproduce", "--address", "http://head:8265", "--dry-run"]) == 2
    assert "--jobs-address" in capsys.readouterr().err
    assert main(["sweep", "reproduce", "--jobs-address", "http://head:8265", "--dry-run"]) == 2
    assert "local backend" in capsys.readouterr().err


def test_the_report_header_sums_the_sessions_and_names_each_commit(tmp_path):
    from sweeps.reproduce import _record_session, provenance_notes, read_sessions

    _record_session(tmp_path, read_sessions(tmp_path), {"started": "2026-01-01 10:00 UTC", "seconds": 3000,
                                                        "commit": "aaa", "command": "make reproduce"})
    sessions = _record_session(tmp_path, read_sessions(tmp_path), {
        "started": "2026-01-01 12:00 UTC", "seconds": 600.0, "commit": "bbb",
        "command": "microcoder sweep reproduce --figures docs"})
    assert read_sessions(tmp_path) == sessions
    notes = provenance_notes(sessions, "a machine")
    assert notes == ["commit: `bbb` (earlier sessions: `aaa`)", "command: `microcoder sweep reproduce --figures docs`",
                     "wall time: 60 min (2 sessions, the first started 2026-01-01 10:00 UTC; training and probes, "
                     "the figures not counted)", "machine: a machine"]


def test_an_unreadable_sessions_record_stops_reproduce_before_anything_runs_and_is_kept(tmp_path, capsys):
    from sweeps.reproduce import SESSIONS_FILE, reproduce

    (tmp_path / SESSIONS_FILE).write_text("{not json")
    assert reproduce(tmp_path, tmp_path / "figures", only=["kl_clip"], steps=2, seeds=1) == 2
    assert f"{tmp_path / SESSIONS_FILE}: not a sessions record" in capsys.readouterr().out
    assert (tmp_path / SESSIONS_FILE).read_text() == "{not json" and not (tmp_path / "kl_clip-micro").exists()


@pytest.mark.slow
def test_make_reproduce_on_a_tiny_budget_runs_probes_draws_the_report_and_resumes(tmp_path):
    out, figures = tmp_path / "runs", tmp_path / "figures"
    args = f"REPRODUCE_ARGS=--only temperature --steps 2 --seeds 1 --out {out} --figures {figures} --max-concurrent 2"

    def make() -> str:
        proc = subprocess.run(["make", "-s", "reproduce", args], cwd=REPO, capture_output=True, text=True,
                              timeout=1200)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc.stdout

    first = make()
    lines = [ln for ln in first.splitlines() if ln.strip() and not ln.startswith(".venv")]
    assert lines[0].startswith("budget: 1 sweeps, 5 runs, ") and str(out) in lines[0]  # before anything runs
    report = (figures / "report.md").read_text()
    assert "## Sweep `temperature-micro`" in report and "## Claims of the study" in report
    head = report.split("## ", 1)[0]  # headed by how it was made
    assert "- commit: `" in head and f"- command: `make reproduce (microcoder sweep reproduce {args[15:]})`" in head
    assert re.search(r"- wall time: \d+ min \(1 session, ", head) and "- machine: " in head and " cores" in head
    assert (figures / "temperature-micro" / "temperature.png").stat().st_size > 10_000
    probed = RunStore(out, "temperature-micro", "t0.6-s0").read_probe("temperature")
    assert {row["step"] for row in probed} == {0, 1, 2} and {row["temperature"] for row in probed} == {0.6, 1.0, 1.4,
                                                                                                        1.8}
    metrics = {p: p.stat().st_mtime_ns for p in out.glob("temperature-micro/*/metrics.jsonl")}
    assert len(metrics) == 5

    second = make()  # continues: every run is finished and every probe row is there, so nothing is redone
    assert {p: p.stat().st_mtime_ns for p in metrics} == metrics
    assert len(RunStore(out, "temperature-micro", "t0.6-s0").read_probe("temperature")) == len(probed)
    assert ">> probe" not in second and "done in" in second
    assert "(2 sessions, " in (figures / "report.md").read_text()  # the wall time sums both
