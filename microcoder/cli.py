"""The `microcoder` command: one entry point that wires every package's commands (kept thin on purpose).

    microcoder judge PROBLEMS.jsonl SOLUTIONS.jsonl [--evaluator microcoder|strict|both] [--json]

Run `microcoder COMMAND --help` for each command's options.
"""

from __future__ import annotations

import argparse
import sys


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


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
    j.add_argument("--time-limit", type=_positive_float, default=4.0, metavar="S",
                   help="wall-clock seconds per test (default: 4)")
    j.add_argument("--memory-mb", type=_positive_int, default=1024, metavar="M",
                   help="address-space limit per program in MiB (default: 1024)")
    j.add_argument("--workers", type=_positive_int, default=None, help="sandbox workers (default: one per core)")
    j.add_argument("--json", action="store_true", help="one JSON object a line per solution and evaluator")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "judge":
        from .evaluator.judge_command import run_judge

        return run_judge(args.problems, args.solutions, args.evaluator, args.time_limit, args.memory_mb,
                         args.json, args.workers)
    return 2  # unreachable: argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
