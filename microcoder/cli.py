"""The `microcoder` command: one entry point that wires every package's commands (kept thin on purpose).

    microcoder judge PROBLEMS.jsonl SOLUTIONS.jsonl [--evaluator microcoder|strict|both] [--json]
    microcoder train [CONFIG.yaml] [key=value ...] [--out runs/] [--sweep NAME] [--name RUN]
                     [--backend local|verl] [--dry-run]
    microcoder probe temperature|lengths [RUN_DIR] [--steps all|last|0,20] [--prompts N] [--n N]
    microcoder sweep plan|run|resume|status|dashboard ... (sweeps/cli.py)
    microcoder figures RUNS_DIR... [--out figures/]   (analysis/cli.py)
    microcoder data prepare|stats|filter|decontam ... (microcoder/data/data_command.py)
    microcoder ls [masks|evaluators|schedules|models|presets|datasets|figures|metrics|...]

Run `microcoder COMMAND --help` for each command's options.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .cli_types import positive_float, positive_int


BACKEND_FLAGS = {
    "local": {"--cache-dir": "cache_dir", "--device": "device"},
    "verl": {"--dry-run": "dry_run", "--jobs-address": "jobs_address", "--gpus": "gpus", "--nodes": "nodes"},
}
"""`microcoder train` flags that only one backend reads (backend → flag → argparse dest)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microcoder",
        description="MicroCoder: ablation sweeps for GRPO training of coding LLMs (MicroCoder-Insights).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    j = sub.add_parser(
        "judge", help="judge solutions against problems in the sandbox (both evaluators side by side)",
        description="Run each solution on its problem's tests inside the sandbox and print the verdicts. "
                    "Problems: one JSON object a line {id, style: stdin|call, fn_name?, unordered?, tests: "
                    "[{input, output}]}. Solutions: {id, code} or {id, response} (the last ```python block of "
                    "the response is judged).")
    j.add_argument("problems", help="problems JSONL file")
    j.add_argument("solutions", help="solutions JSONL file (ids refer to problems)")
    j.add_argument("--evaluator", choices=("microcoder", "strict", "both"), default="both",
                   help="output comparator: the robust MicroCoder-Evaluator, the strict LiveCodeBench-style one, "
                        "or both side by side with their disagreements (default: both)")
    j.add_argument("--time-limit", type=positive_float, default=4.0, metavar="S",
                   help="wall-clock seconds per test (default: 4)")
    j.add_argument("--memory-mb", type=positive_int, default=1024, metavar="M",
                   help="address-space limit per program in MiB (default: 1024)")
    j.add_argument("--workers", type=positive_int, default=None, help="sandbox workers (default: one per core)")
    j.add_argument("--json", action="store_true", help="one JSON object a line per solution and evaluator")

    t = sub.add_parser(
        "train", help="one GRPO run on the local backend (CPU or one GPU), with a progress display",
        description="Train one run from a run-config YAML plus dotted overrides (e.g. actor.clip_ratio_high=0.28 "
                    "rollout.temperature=1.2). Writes OUT/SWEEP/NAME/{config.yaml, metrics.jsonl, status.json, "
                    "samples/, checkpoints/} and a W&B run (offline unless tracking.mode=online). Running the "
                    "same command again resumes from the latest checkpoint.")
    t.add_argument("config", nargs="?", default=None,
                   help="run-config YAML (may say `preset: grpo|dapo|microcoder-grpo`); omitted: the defaults")
    t.add_argument("overrides", nargs="*", metavar="key=value", help="dotted overrides, values parsed as YAML")
    t.add_argument("--out", default="runs", help="run-store root (default: runs/)")
    t.add_argument("--sweep", default="adhoc", help="sweep (W&B group) the run belongs to (default: adhoc)")
    t.add_argument("--name", default=None, help="run name (default: run-<date>-<time>)")
    t.add_argument("--init-from", default=None, metavar="CKPT",
                   help="start a branch from a parent's checkpoint folder (…/checkpoints/global_step_K)")
    t.add_argument("--cache-dir", default=None, help="where built model presets are cached "
                                                     "(default: $MICROCODER_CACHE or ~/.cache/microcoder)")
    t.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    t.add_argument("--backend", choices=("local", "verl"), default="local",
                   help="local (this process) or verl (a main_ppo Ray job on a GPU cluster; see --dry-run)")
    t.add_argument("--dry-run", action="store_true",
                   help="verl: print the job's environment and main_ppo command, submit nothing")
    t.add_argument("--jobs-address", default=None, metavar="URL",
                   help="verl: Ray Jobs API address (default: $MICROCODER_RAY_JOBS_ADDRESS, else "
                        "http://127.0.0.1:8265)")
    t.add_argument("--gpus", type=positive_int, default=None, help="verl: GPUs of the run in all (default: 8)")
    t.add_argument("--nodes", type=positive_int, default=None, help="verl: nodes of the run (default: 1)")

    pr = sub.add_parser("probe", help="evaluation jobs on a run's checkpoints (temperature, lengths)",
                        description="Measure a run's checkpoints (or a bare model) and append the results to "
                                    "RUN_DIR/probes/<kind>.jsonl for the analysis figures.")
    psub = pr.add_subparsers(dest="probe", metavar="KIND")
    psub.required = True
    for kind, text in (("temperature", "accuracy (pass@1) and response diversity at each evaluation temperature "
                                       "(the study's figure 7_2, left panels)"),
                       ("lengths", "response-length samples (figure 1_0, density panel)")):
        k = psub.add_parser(kind, help=text, description=text)
        k.add_argument("run_dir", nargs="?", default=None, help="a run folder (runs/SWEEP/RUN) whose checkpoints "
                                                                "are probed; omit it to probe --config's model")
        k.add_argument("--steps", default="all" if kind == "temperature" else "last",
                       help="checkpoint steps: all, last, none (the starting model) or a comma list")
        k.add_argument("--prompts", type=positive_int, default=64, help="test prompts (default: 64)")
        k.add_argument("--n", type=positive_int, default=8, help="samples per prompt (default: 8)")
        if kind == "temperature":
            k.add_argument("--temperatures", default="0.6,0.8,1.0,1.2,1.4,1.6,1.8",
                           help="comma list of evaluation temperatures (default: 0.6 to 1.8 by 0.2)")
        else:
            k.add_argument("--temperature", type=positive_float, default=None,
                           help="sampling temperature (default: the run's rollout.val_temperature)")
        k.add_argument("--config", default=None, help="run-config YAML for a model without a run folder")
        k.add_argument("--set", nargs="*", default=[], metavar="key=value", help="config overrides (with --config)")
        k.add_argument("--out", default="runs", help="where a bare model's probe folder goes (default: runs/)")
        k.add_argument("--cache-dir", default=None, help="model preset cache dir")

    from .data import data_command

    data_command.add_arguments(sub.add_parser(
        "data", help="prepare the study's datasets (LiveCodeBench, DeepCoder, Open-R1, TACO/APPS, your JSONL), "
                     "their stats, difficulty filtering and decontamination",
        description="Datasets for both backends: `prepare` writes verl parquet + our JSONL + a manifest from a "
                    "source's files, `stats` counts a prepared dataset, `filter` keeps problems by a model's pass "
                    "rate, `decontam` finds training problems that overlap test problems. Run `microcoder data "
                    "ACTION --help` for each."))

    from . import ls_command

    ls_command.add_arguments(sub.add_parser(
        "ls", help="what each registry holds (masks, evaluators, schedules, models, datasets, figures, metrics, ...)",
        description="List a registry's names with a one-line doc each: the values config keys, sweep specs and "
                    "commands accept. Without WHAT, every registry."))

    # the sweep and analysis packages own their commands' options; the CLI only wires them in
    for name, module, text in (
        ("sweep", "sweeps.cli", "plan, run, resume and inspect ablation sweeps on Ray Tune"),
        ("figures", "analysis.cli", "redraw the study's figures, results table and report from runs"),
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name != module:  # a broken module must fail loudly, only a missing one is skipped
                raise
            continue
        mod.add_arguments(sub.add_parser(name, help=text, description=text))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "judge":
        from .evaluator.judge_command import run_judge

        return run_judge(args.problems, args.solutions, args.evaluator, args.time_limit, args.memory_mb,
                         args.json, args.workers)
    if args.command == "train":
        from .train_command import run_train

        overrides = list(args.overrides)
        config = args.config
        if config is not None and "=" in config and not config.endswith((".yaml", ".yml")):
            overrides.insert(0, config)  # `microcoder train key=value ...` without a file
            config = None
        other = "local" if args.backend == "verl" else "verl"
        ignored = [flag for flag, value in BACKEND_FLAGS[other].items() if getattr(args, value) not in (None, False)]
        if ignored:  # a flag the chosen backend would ignore is refused, not silently dropped
            print(f"error: {', '.join(ignored)} appl{'y' if len(ignored) > 1 else 'ies'} to --backend {other} only "
                  f"(this run: --backend {args.backend})", file=sys.stderr)
            return 2
        if args.backend == "verl":
            from .train_command import run_train_verl

            return run_train_verl(config, overrides, args.out, args.sweep, args.name, args.init_from,
                                  dry_run=args.dry_run, jobs_address=args.jobs_address, gpus=args.gpus or 8,
                                  nodes=args.nodes or 1)
        return run_train(config, overrides, args.out, args.sweep, args.name, args.init_from, args.cache_dir,
                         args.device)
    if args.command == "ls":
        from .ls_command import run as run_ls

        return run_ls(args)
    if args.command == "data":
        from .data.data_command import run as run_data_command

        return run_data_command(args)
    if args.command == "sweep":
        from sweeps.cli import run as run_sweep_command

        return run_sweep_command(args)
    if args.command == "figures":
        from analysis.cli import run as run_figures_command

        return run_figures_command(args)
    if args.command == "probe":
        from . import probes

        cfg = None
        run_dir = args.run_dir
        if run_dir is None:
            run_dir, cfg = probes.standalone_run_dir(args.out, f"{args.probe}-probe", args.config, args.set)
            args.steps = "none"
        if args.probe == "temperature":
            temps = [float(t) for t in args.temperatures.split(",") if t.strip()]
            probes.probe_temperature(run_dir, temps, args.steps, args.prompts, args.n, cfg, args.cache_dir)
        else:
            probes.probe_lengths(run_dir, args.steps, args.prompts, args.n, args.temperature, cfg, args.cache_dir)
        print(f"results: {run_dir}/probes/{args.probe}.jsonl")
        return 0
    return 2  # unreachable: argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
