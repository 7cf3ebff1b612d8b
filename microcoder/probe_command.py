"""`microcoder probe temperature|lengths [RUN_DIR]`: evaluation jobs on a run's checkpoints (microcoder.probes).

    microcoder probe temperature runs/temperature/t06 --temperatures 0.6,1.0,1.4,1.8 --steps 0,20,40
    microcoder probe lengths runs/generations/dapo --steps last
    microcoder probe temperature --config my.yaml --set model.preset=micro      # a bare model, no run folder

Results are appended to RUN_DIR/probes/<kind>.jsonl for the analysis figures; a bare model gets a run folder of
its own under --out. The probing itself (and its torch imports) lives in microcoder/probes.py.
"""

from __future__ import annotations

import argparse

from microcoder.cli_types import positive_float, positive_int

KINDS = {
    "temperature": "accuracy (pass@1) and response diversity at each evaluation temperature (the study's "
                   "figure 7_2, left panels)",
    "lengths": "response-length samples (figure 1_0, density panel)",
}
"""probe kind → its help."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Measure a run's checkpoints (or a bare model) and append the results to "
                          "RUN_DIR/probes/<kind>.jsonl for the analysis figures.")
    sub = parser.add_subparsers(dest="probe", metavar="KIND")
    sub.required = True
    for kind, text in KINDS.items():
        k = sub.add_parser(kind, help=text, description=text)
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


def run(args: argparse.Namespace) -> int:
    from microcoder import probes

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
