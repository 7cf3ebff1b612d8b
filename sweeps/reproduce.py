"""`microcoder sweep reproduce` (`make reproduce`): every study spec at micro scale, its probes, every figure and one
report — resumable.

What: for each spec under `sweeps/specs/` that has a `micro` scale (the study's nine; not the demo), in order: plan
it at that scale, run it on Ray Tune (`run_sweep`: a second call resumes — finished runs stay, interrupted ones
continue from their checkpoint), then run the probes the study's figures read (`PROBES`: the temperature probe of
figure 7_2's left panels, the length probe of figure 1_0's density panel; a probe row already written is not
redone), and at the end draw every figure and the report of all sweeps (`microcoder figures OUT --out FIGURES`).
Before anything runs it prints the budget: runs, steps and the estimated wall time on this machine's cores, from
each spec's `resources.step_seconds` (measured on a 2-core machine) and the probes' sample counts.

    microcoder sweep reproduce                          # all nine, ~2 h on 2 cores
    microcoder sweep reproduce --only kl_clip --steps 4 --seeds 1   # a quick look at one sweep

`--steps N` (N >= 2) and `--seeds K` shrink every run to N steps (branches at step N // 2, evaluated and
checkpointed there, on 16 test problems; probes on 8 prompts) and K seeds: a smoke test of the whole pipeline, not a
reproduction (its report says "cannot tell" throughout), written to runs/reproduce-smoke and
figures/reproduce-smoke.

The report is headed by how it was made (`provenance_notes`): the commit, the command, the wall time summed over
every session that worked on the run store (`OUT/reproduce.json` records each: start, seconds, commit, command)
and the machine.

Why: a reproduction of the study must be one command that a fresh machine can rerun and that survives an
interruption without redoing hours of work.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Callable, Optional

from .plan import Plan
from .spec import SpecError, apply_scale, parse_spec, read_yaml

__all__ = ["PROBES", "ProbeJob", "budget", "machine_text", "plan_study", "provenance_notes", "read_sessions",
           "reproduce", "study_specs"]

SPEC_DIR = Path(__file__).parent / "specs"
SCALE = "micro"
RUN_OVERHEAD_S = 45.0
"""Per-run wall time besides its steps (process and Ray trial start, model load, the test evaluations, checkpoints)
with two runs at once on a 2-core machine, as `resources.step_seconds` is per step (measured: ~60 s with 7 tests
of 400 samples; the micro base tests 4 times)."""
SMOKE_TEST_SIZE = 16
"""Test problems of a shrunk (`--steps`) run."""
SAMPLE_S = 0.012
"""Seconds per sampled probe response of the micro model (≤ 64 tokens, 2 threads), for the budget."""
SESSIONS_FILE = "reproduce.json"
"""OUT/reproduce.json: {"sessions": [{"started", "seconds", "commit", "command"}, ...]}, one per invocation that ran
(dry runs are not recorded), so that a reproduction resumed over several sessions reports its whole wall time."""


@dataclasses.dataclass(frozen=True)
class ProbeJob:
    """A probe run on some runs of a sweep after it finishes (microcoder.probes)."""

    kind: str  # temperature | lengths
    arms: tuple[str, ...] = ()  # () = every arm (branches included)
    steps: str = "last"  # the probes' --steps: a comma list, last, or all
    prompts: int = 64
    n: int = 4
    temperatures: tuple[float, ...] = (0.6, 1.0, 1.4, 1.8)

    def samples(self) -> int:
        """Sampled responses per probed run (for the budget; "all" counts the 3 checkpoints a run saves)."""
        checkpoints = {"last": 1, "all": 3}.get(self.steps) or len(self.steps.split(","))
        per = len(self.temperatures) if self.kind == "temperature" else 1
        return checkpoints * per * self.prompts * self.n


PROBES: dict[str, tuple[ProbeJob, ...]] = {
    # figure 7_2's left panels and claims TEMP-1/TEMP-2: accuracy and diversity against the evaluation
    # temperature, at the start, the branch point and the end of each constant-temperature run
    "7_2": (ProbeJob("temperature", arms=("t0.6", "t1.2", "t1.8"), steps="0,12,24", prompts=32),),
    # figure 1_0's density panel: the response lengths of each generation's final policy
    "1_0": (ProbeJob("lengths", steps="last", prompts=64, n=8),),
}
"""study figure → the probes it and its claims read, run on the sweep that feeds the figure."""


def study_specs(spec_dir: Path = SPEC_DIR, only: Optional[list[str]] = None) -> list[Path]:
    """The spec files with a `micro` scale, by name; `only` keeps those names (an unknown one raises SpecError)."""
    found = {}
    for path in sorted(Path(spec_dir).glob("*.yaml")):
        data = read_yaml(path)
        if isinstance(data, dict) and SCALE in (data.get("scales") or {}):
            found[str(data.get("name", path.stem))] = path
    if only:
        unknown = [n for n in only if n not in found]
        if unknown:
            raise SpecError([f"--only: no study spec named {', '.join(map(repr, unknown))} (valid: "
                             f"{', '.join(found)})"], str(spec_dir))
        return [found[n] for n in only]
    return list(found.values())


def _shrink(data: dict, steps: Optional[int], seeds: Optional[int]) -> dict:
    """The scaled spec with every run cut to `steps` (branches at steps // 2) and `seeds` seeds."""
    data = copy.deepcopy(data)
    if seeds is not None:
        data["seeds"] = list(range(seeds))
    if steps is not None:
        half = max(1, steps // 2)
        data["set"] = {**(data.get("set") or {}), "trainer.total_steps": steps, "trainer.save_freq": half,
                       "trainer.test_freq": half, "data.test_size": SMOKE_TEST_SIZE}
        for arm in (data.get("arms") or {}).values():
            if isinstance(arm, dict):
                arm.pop("trainer.total_steps", None)
        for branch in (data.get("branches") or {}).values():
            if isinstance(branch, dict):
                branch["at_step"] = half
    return data


def plan_study(path: Path, steps: Optional[int] = None, seeds: Optional[int] = None) -> Plan:
    """The micro-scale plan of one study spec (shrunk by `steps`/`seeds` when given); raises SpecError."""
    from .expand import expand

    problems: list[str] = []
    data = apply_scale(read_yaml(path), SCALE, problems)
    if problems:
        raise SpecError(problems, str(path))
    spec = parse_spec(_shrink(data, steps, seeds), str(path), None, problems)
    spec.scale = SCALE
    runs = expand(spec, problems)
    if problems:
        raise SpecError(problems, str(path))
    return Plan(spec, runs)


def _probe_jobs(plan: Plan, shrunk: bool) -> list[ProbeJob]:
    jobs = []
    for job in PROBES.get(plan.spec.figure or "", ()):
        if shrunk:  # the shrunk runs have other checkpoint steps; a smoke test probes few prompts
            job = dataclasses.replace(job, steps="all" if job.steps != "last" else "last", prompts=8, n=2)
        jobs.append(job)
    return jobs


def budget(plans: list[Plan], cores: int, shrunk: bool = False) -> dict:
    """Runs, steps, probe samples and the estimated wall time (seconds) of the plans on `cores` cores."""
    runs = sum(len(p.runs) for p in plans)
    steps = sum(r.steps_to_run for p in plans for r in p.runs)
    # step_seconds and RUN_OVERHEAD_S are a run's wall time with the machine full of runs: divide by how many run
    # at once
    run_s = sum((r.steps_to_run * (p.step_seconds() or 3.0) + RUN_OVERHEAD_S) / max(1, cores // p.spec.resources
                                                                                 .cpus_per_run)
                for p in plans for r in p.runs)
    samples = sum(job.samples() * sum(1 for r in p.runs if not job.arms or r.arm in job.arms)
                  for p in plans for job in _probe_jobs(p, shrunk))
    wall = run_s + samples * SAMPLE_S
    return {"sweeps": len(plans), "runs": runs, "steps": steps, "probe_samples": samples, "cores": cores,
            "estimated_s": round(wall)}


def budget_text(b: dict) -> str:
    return (f"budget: {b['sweeps']} sweeps, {b['runs']} runs, {b['steps']} training steps, {b['probe_samples']} "
            f"probe samples; estimated {b['estimated_s'] / 60:.0f} min on {b['cores']} cores")


def _probe_steps(job: ProbeJob, have: list[int]) -> list[int]:
    """The checkpoint steps `job` probes among those a run has: its listed steps that exist, and always the run's
    last checkpoint (a run stopped early by a rule ends before the listed last step)."""
    if job.steps == "all":
        return have
    listed = [] if job.steps == "last" else [int(s) for s in job.steps.split(",")]
    return sorted({s for s in listed if s in have} | set(have[-1:]))


def _probed(job: ProbeJob, rows: list[dict]) -> set:
    """The steps whose probe is complete (a temperature probe: a row for every temperature of the job)."""
    if job.kind != "temperature":
        return {row.get("step") for row in rows}
    seen: dict = {}
    for row in rows:
        seen.setdefault(row.get("step"), set()).add(row.get("temperature"))
    return {step for step, temps in seen.items() if set(job.temperatures) <= temps}


def run_probes(plan: Plan, out: Path, jobs: list[ProbeJob], log: Callable[[str], None]) -> list[str]:
    """Run each probe job on its runs; a step already probed whole is skipped (resumable). Returns the problems
    (a run whose probe failed), each naming the run; the other runs are still probed."""
    from microcoder import probes
    from microcoder.run_store import RunStore

    problems = []
    for job in jobs:
        for run in plan.runs:
            if job.arms and run.arm not in job.arms:
                continue
            store = RunStore(out, plan.name, run.name)
            done = _probed(job, store.read_probe(job.kind))
            todo = [s for s in _probe_steps(job, [s for s, _ in store.list_checkpoints()]) if s not in done]
            if not todo:
                continue
            log(f">> probe {job.kind} {plan.name}/{run.name} at steps {','.join(map(str, todo))}")
            steps = ",".join(map(str, todo))
            try:
                if job.kind == "temperature":
                    temps = list(job.temperatures)
                    probes.probe_temperature(store.dir, temps, steps, job.prompts, job.n, log=log)
                else:
                    probes.probe_lengths(store.dir, steps, job.prompts, job.n, log=log)
            except (OSError, ValueError, RuntimeError) as e:
                problems.append(f"probe {job.kind} of {plan.name}/{run.name}: {type(e).__name__}: {e}")
                log(f"!! {problems[-1]}")
    return problems


def git_commit(root: Path = SPEC_DIR.parents[1]) -> str:
    """The checked-out commit of `root` (12 hex digits), noting uncommitted changes to tracked files."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True, timeout=30, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return head + (" with uncommitted changes" if dirty else "")


def machine_text() -> str:
    """This machine in one line: OS, CPU model, cores, memory, Python and torch versions."""
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = f", {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB memory"
    except (ValueError, OSError, AttributeError):
        memory = ""
    try:
        torch = f", torch {metadata.version('torch')}"
    except metadata.PackageNotFoundError:
        torch = ""
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{memory}, "
            f"Python {platform.python_version()}{torch}")


def read_sessions(out: Path) -> list[dict]:
    """The sessions recorded in OUT/reproduce.json ([] when there is none); ValueError naming the file when it is
    not a sessions record (it is never overwritten then: its wall time would be lost)."""
    path = out / SESSIONS_FILE
    if not path.is_file():
        return []
    try:
        sessions = json.loads(path.read_text())["sessions"]
        if not isinstance(sessions, list) or not all(isinstance(s, dict) for s in sessions):
            raise TypeError("'sessions' is not a list of records")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: not a sessions record ({type(e).__name__}: {e}); fix or move it aside") from None
    return sessions


def _record_session(out: Path, sessions: list[dict], session: dict) -> list[dict]:
    """`sessions` (as read before the session ran) and `session`, written to OUT/reproduce.json."""
    from microcoder.run_store import atomic_write

    sessions = [*sessions, session]
    atomic_write(out / SESSIONS_FILE, json.dumps({"sessions": sessions}, indent=1) + "\n")
    return sessions


def provenance_notes(sessions: list[dict], machine: str) -> list[str]:
    """The report's header lines: commit, command, wall time (summed over the sessions), machine."""
    last = sessions[-1]
    commits = list(dict.fromkeys(str(s.get("commit")) for s in sessions))
    minutes = sum(float(s.get("seconds") or 0) for s in sessions) / 60
    commit = f"commit: `{commits[-1]}`" + (f" (earlier sessions: {', '.join(f'`{c}`' for c in commits[:-1])})"
                                           if len(commits) > 1 else "")
    count = f"{len(sessions)} session" + ("s" if len(sessions) > 1 else "")
    return [commit, f"command: `{last.get('command')}`",
            f"wall time: {minutes:.0f} min ({count}, the first started {sessions[0].get('started')}; training "
            f"and probes, the figures not counted)",
            f"machine: {machine}"]


def reproduce(out: Optional[str | Path] = None, figures: Optional[str | Path] = None,
              only: Optional[list[str]] = None, steps: Optional[int] = None, seeds: Optional[int] = None,
              spec_dir: Path = SPEC_DIR, dry_run: bool = False, log: Optional[Callable[[str], None]] = None,
              command: str = "microcoder sweep reproduce", **dispatch_options) -> int:
    """Run the study at micro scale (see the module docstring); 0 when every run finished and the report was
    written, 1 otherwise (rerun to continue), 2 when OUT/reproduce.json is unreadable (nothing run).
    `out`/`figures` default to runs/reproduce and figures/reproduce, or
    runs/reproduce-smoke and figures/reproduce-smoke when shrunk (a smoke test never blocks the real run).
    `command`: how it was invoked, for the report's header."""
    from .dispatch import print_line, run_sweep

    log = log or print_line
    suffix = "-smoke" if steps is not None or seeds is not None else ""
    out = Path(out or f"runs/reproduce{suffix}")
    figures = Path(figures or f"figures/reproduce{suffix}")
    plans = [plan_study(p, steps, seeds) for p in study_specs(spec_dir, only)]  # every spec checked first
    shrunk = steps is not None
    cores = dispatch_options.get("max_concurrent") or os.cpu_count() or 1
    log(budget_text(budget(plans, cores, shrunk)) + f"; runs in {out}, figures and report in {figures}")
    if dry_run:
        for plan in plans:
            log(f"  {plan.name}: {len(plan.runs)} runs, {sum(r.steps_to_run for r in plan.runs)} steps")
        return 0
    try:
        earlier = read_sessions(out)
    except ValueError as e:
        log(f"error: {e}")
        return 2
    start, started, failed = time.monotonic(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), []
    try:
        for i, plan in enumerate(plans, 1):
            log(f">> [{i}/{len(plans)}] sweep {plan.name} ({len(plan.runs)} runs) → {out / plan.name}")
            if run_sweep(plan, out, **dispatch_options) != 0:
                failed.append(plan.name)
                continue
            if run_probes(plan, out, _probe_jobs(plan, shrunk), log):
                failed.append(f"{plan.name} (probes)")
    finally:  # an interrupted session counts too: the header's wall time is the whole reproduction's
        sessions = _record_session(out, earlier, {"started": started, "seconds": round(time.monotonic() - start, 1),
                                                  "commit": git_commit(), "command": command})
    from microcoder.cli import main as microcoder_main

    log(f">> figures and report of {out} → {figures}")
    notes = provenance_notes(sessions, machine_text())
    drawn = microcoder_main(["figures", str(out), "--out", str(figures), *(a for n in notes for a in ("--note", n))])
    minutes = (time.monotonic() - start) / 60
    if failed:
        log(f"not everything finished ({', '.join(failed)}): run the same command again to continue")
        return 1
    if drawn != 0:
        log(f"the figures or the report could not be drawn (exit {drawn})")
        return 1
    log(f">> done in {minutes:.1f} min: {figures / 'report.md'}")
    return 0
