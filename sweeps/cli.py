"""`microcoder sweep plan|run|resume|status|dashboard`: the sweep commands (wired into `microcoder` by
microcoder/cli.py).

    microcoder sweep plan SPEC [--scale micro] [--json [--out runs/]]
    microcoder sweep run SPEC [--scale micro] [--out runs/] [--address HEAD:6379] [--jobs-address http://HEAD:8265]
                              [--max-concurrent N] [--max-failures N]
    microcoder sweep resume DIR [--address ADDR] [--jobs-address URL] [--max-concurrent N] [--max-failures N]
    microcoder sweep reproduce [--only SPEC ...] [--steps N] [--seeds K] [--out runs/reproduce] [--dry-run]
    microcoder sweep status DIR [--json | --watch [--interval S]]
    microcoder sweep dashboard SPEC|DIR [--entity E] [--project P] [--report] [--dry-run] [--scale S] [--out runs/]

An invalid spec exits 2 with every problem listed, before anything is submitted or written. `run` and `resume`
exit 0 when every run finished (or was stopped by a rule), 1 otherwise. `dashboard` exits 1 when nothing could be
saved (no W&B login). The commands' logic lives in the modules named in each `--help`.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import textwrap
from pathlib import Path

from microcoder.cli_types import positive_float, positive_int

from .spec import spec_keys_help


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


class _RawEpilog(argparse.HelpFormatter):
    """Wraps the description and help as usual but prints a text of several lines (the generated key listing of
    the epilog) as it is."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return text if "\n" in text else super()._fill_text(text, width, indent)


def _at_least_2(text: str) -> int:
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be >= 2 (a branch starts half way), got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="sweep_command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("plan", help="validate a spec and print its runs, totals and W&B group (runs nothing)",
                       description="Validate a sweep spec (every error listed, each naming its key) and print the "
                                   "expanded runs: name, arm, seed, parent, the values that differ; totals (runs, "
                                   "steps, estimated GPU-hours) and the W&B group.",
                       epilog="spec keys (sweeps/spec.py; a nested key as resources.gpus_per_run):\n"
                              + textwrap.indent(spec_keys_help(), "  "),
                       formatter_class=_RawEpilog)
    p.add_argument("spec", help="sweep spec YAML (sweeps/specs/*.yaml)")
    p.add_argument("--scale", default=None, help="apply the spec's `scales.<NAME>` overlay (e.g. micro: the local "
                                                 "backend at CPU size)")
    p.add_argument("--json", action="store_true", help="the plan as JSON (a verl sweep's runs carry verl_overrides, "
                                                        "the exact main_ppo overrides, and verl_env, the job's "
                                                        "environment variables)")
    p.add_argument("--out", default="runs", help="with --json: the run-store root the verl overrides point into "
                                                 "(default: runs/)")

    def dispatch_options(q: argparse.ArgumentParser) -> None:
        q.add_argument("--address", default=None,
                       help="Ray cluster address that ray.init joins (HEAD:6379, or ray://HEAD:10001 through Ray "
                            "Client); default: a local Ray started for the sweep. Not the http:// dashboard "
                            "address: that is --jobs-address")
        q.add_argument("--jobs-address", default=None, metavar="URL",
                       help="Ray Jobs API address the verl runs are submitted to (default: "
                            "$MICROCODER_RAY_JOBS_ADDRESS, else http://<host of --address>:8265)")
        q.add_argument("--max-concurrent", type=positive_int, default=None, metavar="N",
                       help="runs at once (default: CPUs // cpus_per_run for local runs, GPUs // gpus_per_run for "
                            "verl on a cluster)")
        q.add_argument("--max-failures", type=_non_negative_int, default=None, metavar="N",
                       help="retries of a failed run (default: the spec's max_failures, else 2)")
        q.add_argument("--progress-every", type=positive_float, default=15.0, metavar="S",
                       help="seconds between progress tables when nothing changes (default: 15)")

    r = sub.add_parser("run", help="run every run of a spec on Ray Tune (one trial per run)",
                       description="Plan the spec, save it as OUT/<sweep>/sweep.json and run each run as a Ray Tune "
                                   "trial; branches start when their parent's checkpoint exists. Running it again "
                                   "on the same folder resumes.")
    r.add_argument("spec", help="sweep spec YAML")
    r.add_argument("--scale", default=None, help="apply the spec's `scales.<NAME>` overlay (e.g. micro)")
    r.add_argument("--out", default="runs", help="run-store root (default: runs/); the sweep goes to OUT/<sweep>/")
    dispatch_options(r)

    s = sub.add_parser("resume", help="continue a sweep after a crash or Ctrl-C (finished runs are not rerun)",
                       description="Continue the sweep saved in DIR: finished and rule-stopped runs stay as they "
                                   "are, interrupted runs continue from their latest checkpoint.")
    s.add_argument("dir", help="the sweep folder (OUT/<sweep>, holding sweep.json)")
    dispatch_options(s)

    rp = sub.add_parser("reproduce", help="every study spec at micro scale, its probes, all figures and one report "
                                          "(resumable; `make reproduce`)",
                        description="Run each study spec (sweeps/specs/*.yaml with a `micro` scale) at micro scale on "
                                    "Ray Tune, then the probes its figure reads, then draw every figure and one "
                                    "report. Prints the budget (runs, steps, estimated minutes) first. Running it "
                                    "again continues where it stopped (sweeps/reproduce.py).")
    rp.add_argument("--out", default=None, help="run-store root (default: runs/reproduce; with --steps or --seeds: "
                                                "runs/reproduce-smoke)")
    rp.add_argument("--figures", default=None, help="where the figures and report.md go (default: figures/reproduce; "
                                                    "with --steps or --seeds: figures/reproduce-smoke)")
    rp.add_argument("--only", nargs="+", default=None, metavar="SPEC",
                    help="only these study specs, by name (e.g. kl_clip truncation_mask)")
    rp.add_argument("--steps", type=_at_least_2, default=None, metavar="N",
                    help="a smoke test: every run N >= 2 steps (branches at N // 2) instead of the micro scale's")
    rp.add_argument("--seeds", type=positive_int, default=None, metavar="K",
                    help="K seeds per arm instead of the micro scale's 3 (fewer seeds: no verdicts)")
    rp.add_argument("--dry-run", action="store_true", help="check every spec and print the budget; run nothing")
    dispatch_options(rp)

    t = sub.add_parser("status", help="the state of a sweep's runs, from the run store alone (--watch: live)",
                       description="Runs pending/running/finished/failed, and for each its step and key metrics; "
                                   "--watch refreshes it until the sweep ends.")
    t.add_argument("dir", help="the sweep folder (OUT/<sweep>, holding sweep.json)")
    view = t.add_mutually_exclusive_group()
    view.add_argument("--json", action="store_true", help="one JSON object per run")
    view.add_argument("--watch", action="store_true",
                      help="a live view from another terminal: the table with a trend of test accuracy and "
                           "diversity per run, refreshed until every run is done or Ctrl-C (sweeps/watch.py)")
    t.add_argument("--interval", type=positive_float, default=5.0, metavar="S",
                   help="with --watch: seconds between refreshes (default: 5)")

    d = sub.add_parser("dashboard", help="build the sweep's W&B workspace (and report) from its figure's panels",
                       description="Build a W&B workspace for the sweep: its runs (the sweep's W&B group) grouped by "
                                   "arm, one section per panel row of the study figure the spec feeds, the same "
                                   "metrics, x-axes and smoothing as the figure, and the spec's description. Saving "
                                   "again updates the same workspace. Needs `wandb login`, except with --dry-run "
                                   "(sweeps/dashboard.py).")
    d.add_argument("target", metavar="SPEC|DIR", help="a sweep spec YAML, or a sweep folder (holding sweep.json)")
    d.add_argument("--entity", default=None, help="W&B entity (default: $WANDB_ENTITY, else your default entity)")
    d.add_argument("--project", default=None, help="W&B project (default: the spec's tracking.project)")
    d.add_argument("--report", action="store_true", help="also build a W&B report: the same panels and the sweep's "
                                                         "settings table")
    d.add_argument("--dry-run", action="store_true", help="print what would be saved, as JSON (no login needed)")
    d.add_argument("--scale", default=None, help="with a SPEC: apply its `scales.<NAME>` overlay (e.g. micro)")
    d.add_argument("--out", default="runs", help="with a SPEC: the run-store root of its sweep folder, where the "
                                                 "saved dashboard's URLs are kept (default: runs/)")


def _reproduce_command(args: argparse.Namespace) -> str:
    """The command line as given, for the report's header; `make reproduce` says so (make sets $MAKELEVEL for
    the commands it runs)."""
    command = shlex.join(["microcoder", *args.argv])
    return f"make reproduce ({command})" if os.environ.get("MAKELEVEL") else command


def _error(text: str, code: int = 2) -> int:
    print(f"error: {text}", file=sys.stderr)
    return code


def _print_dashboard(plan, sweep_dir: Path) -> None:
    """An online sweep's W&B workspace: its saved URL, or the command that builds it (no network)."""
    from microcoder.tracking import resolve_mode

    if plan.runs and resolve_mode(None, plan.runs[0].config) == "online":
        from .dashboard import dashboard_hint

        print(dashboard_hint(plan, sweep_dir), flush=True)


def run(args: argparse.Namespace) -> int:
    from .plan import format_plan, load_plan, make_plan
    from .spec import SpecError

    cmd = args.sweep_command
    if cmd == "dashboard":
        from .dashboard import DashboardError, dashboard_command

        try:
            return dashboard_command(args.target, scale=args.scale, out=args.out, entity=args.entity,
                                     project=args.project, dry_run=args.dry_run, report=args.report)
        except (SpecError, FileNotFoundError) as e:
            return _error(str(e))
        except DashboardError as e:
            return _error(str(e), 1)
    if cmd == "reproduce":
        from microcoder.backends.verl.launch import AddressError, ray_address

        from .dispatch import RayUnavailable, SweepExists
        from .reproduce import reproduce

        if args.jobs_address:
            return _error("--jobs-address: the micro-scale sweeps run on the local backend (no Ray jobs to submit)")
        try:
            ray_address(args.address)
        except AddressError as e:
            return _error(str(e))
        try:
            return reproduce(args.out, args.figures, only=args.only, steps=args.steps, seeds=args.seeds,
                             dry_run=args.dry_run, address=args.address, max_concurrent=args.max_concurrent,
                             max_failures=args.max_failures, progress_s=args.progress_every,
                             command=_reproduce_command(args))
        except SpecError as e:
            return _error(str(e))
        except (SweepExists, RayUnavailable) as e:
            return _error(str(e))
    try:
        if cmd in ("plan", "run"):
            plan = make_plan(args.spec, args.scale)
        else:
            plan = load_plan(args.dir)
    except SpecError as e:
        return _error(str(e))
    except FileNotFoundError as e:
        return _error(str(e))

    if cmd == "plan":
        from microcoder.backends.verl.translate import VerlTranslationError

        try:
            print(json.dumps(plan.to_json(args.out), indent=1) if args.json else format_plan(plan))
        except (VerlTranslationError, ValueError, FileNotFoundError) as e:
            return _error(str(e))
        return 0
    if cmd == "status":
        from .status import run_views, format_status

        if args.watch:
            from .watch import watch

            return watch(plan, Path(args.dir).resolve().parent, interval_s=args.interval)
        views = run_views(plan, Path(args.dir).resolve().parent)
        if args.json:
            for v in views:
                print(json.dumps({"run": v.name, "arm": v.arm, "state": v.state, "step": v.step,
                                  "total_steps": v.total, "note": v.note, "metrics": v.metrics}))
        else:
            from microcoder.console import console

            print(format_status(plan, views, console=console()))
        return 0

    from microcoder.backends.verl.launch import AddressError, jobs_address, ray_address

    from .dispatch import RayUnavailable, SweepExists, resume_sweep, run_sweep

    try:  # before anything is written: an http:// --address belongs to --jobs-address
        ray_address(args.address)
        if plan.backend == "verl":
            jobs_address(args.address, args.jobs_address)
    except AddressError as e:
        return _error(str(e))
    if plan.backend == "verl":  # the driver sees the shared data: a missing parquet fails here, not in every trial
        from microcoder.backends.verl.translate import missing_data
        from microcoder.config import from_dict

        missing = sorted({p for r in plan.runs for p in missing_data(from_dict(r.config))})
        if missing:
            return _error("the verl runs' prepared data is missing:" + "".join(f"\n  - {p}" for p in missing))
    options = dict(address=args.address, jobs_address=args.jobs_address, max_concurrent=args.max_concurrent,
                   max_failures=args.max_failures, progress_s=args.progress_every)
    try:
        if cmd == "run":
            print(format_plan(plan), flush=True)
            _print_dashboard(plan, Path(args.out).resolve() / plan.name)
            return run_sweep(plan, args.out, **options)
        _print_dashboard(plan, Path(args.dir).resolve())
        return resume_sweep(args.dir, **options)
    except (SweepExists, RayUnavailable) as e:
        return _error(str(e))
