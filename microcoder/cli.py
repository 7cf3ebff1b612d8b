"""The `microcoder` command: one entry point whose subcommands come from one table, COMMANDS (kept thin on purpose).

    microcoder judge PROBLEMS.jsonl SOLUTIONS.jsonl [--evaluator microcoder|strict|both] [--json]
    microcoder train [CONFIG.yaml] [key=value ...] [--out runs/] [--sweep NAME] [--name RUN]
                     [--backend local|verl] [--dry-run]
    microcoder probe temperature|lengths [RUN_DIR] [--steps all|last|0,20] [--prompts N] [--n N]
    microcoder data prepare|stats|filter|decontam ... (microcoder/data/data_command.py)
    microcoder ls [masks|evaluators|schedules|models|presets|datasets|figures|metrics|...]
    microcoder sweep plan|run|resume|status|dashboard ... (sweeps/cli.py)
    microcoder figures RUNS_DIR... [--out figures/]   (analysis/cli.py)

Each command's module exports `add_arguments(parser)` (its options, and its long description) and
`run(args) -> int` (the exit status); a new command is one row of COMMANDS. `python -m microcoder` is the same
entry point as the console script. Run `microcoder COMMAND --help` for each command's options.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("judge", "microcoder.evaluator.judge_command",
     "judge solutions against problems in the sandbox (both evaluators side by side)"),
    ("train", "microcoder.train_command",
     "one GRPO run on the local backend (CPU or one GPU), with a progress display"),
    ("probe", "microcoder.probe_command", "evaluation jobs on a run's checkpoints (temperature, lengths)"),
    ("data", "microcoder.data.data_command",
     "prepare the study's datasets (LiveCodeBench, DeepCoder, Open-R1, TACO/APPS, your JSONL), their stats, "
     "difficulty filtering and decontamination"),
    ("ls", "microcoder.ls_command",
     "what each registry holds (masks, evaluators, schedules, models, datasets, figures, metrics, ...)"),
    ("sweep", "sweeps.cli", "plan, run, resume and inspect ablation sweeps on Ray Tune"),
    ("figures", "analysis.cli", "redraw the study's figures, results table and report from runs"),
)
"""(name, module exporting add_arguments(parser) and run(args) -> int, one-line help), in `--help` order."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microcoder",
        description="MicroCoder: ablation sweeps for GRPO training of coding LLMs (MicroCoder-Insights).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module, text in COMMANDS:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name != module:  # a broken module must fail loudly, only a missing one (a package left out) is skipped
                raise
            continue
        mod.add_arguments(sub.add_parser(name, help=text, description=text))  # it may set a longer description
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # the words as given (a report names its command)
    module = next(module for name, module, _ in COMMANDS if name == args.command)
    return importlib.import_module(module).run(args)


if __name__ == "__main__":
    sys.exit(main())
