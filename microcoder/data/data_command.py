"""`microcoder data prepare|stats|filter|decontam`: the dataset commands (thin; the work is in prepare, stats,
difficulty_filter and decontam).

    microcoder data prepare --source livecodebench --input lcb/ --out data/lcb-v6 --split test --release v6 \\
                            --window 2025-02-01:2025-05-01
    microcoder data prepare --source deepcoder-taco --input taco.parquet --out data/deepcoder --split train
    microcoder data stats data/lcb-v6 [--json]
    microcoder data filter data/deepcoder --out data/deepcoder-hard --model-path /models/qwen3-4b --n 8 --high 0.5
    microcoder data decontam data/deepcoder data/lcb-v6 [--write-clean data/deepcoder-clean] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys

from microcoder.cli_types import fraction, nonnegative_float, positive_int

SOURCE_HELP = ("livecodebench, deepcoder, deepcoder-{primeintellect,taco,lcbv5,codeforces}, open-r1-verifiable, "
               "open-r1-codeforces, taco, apps, microcoder (our JSONL format: see microcoder/data/sources/"
               "microcoder_jsonl.py)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Datasets for both backends: `prepare` writes verl parquet + our JSONL + a manifest from a "
                          "source's files, `stats` counts a prepared dataset, `filter` keeps problems by a model's "
                          "pass rate, `decontam` finds training problems that overlap test problems. Run "
                          "`microcoder data ACTION --help` for each.")
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION")
    sub.required = True
    p = sub.add_parser(
        "prepare", help="turn a source's files (or hub dataset) into verl parquet + our JSONL + manifest",
        description="Stream the rows of --input through the --source schema and write OUT/<split>.parquet (verl rows: "
                    "data_source, prompt (chat list), ability, reward_model{style: rule, ground_truth}, extra_info), "
                    "OUT/<split>.jsonl (our problem dicts with prompt, question, starter_code) and OUT/manifest.json "
                    "(source, input, window, release, template, counts, rejection reasons). Malformed rows are "
                    "reported with file and row, counted and skipped; problems without a usable test are rejected "
                    "with a reason. Then set data.train / data.test to OUT (or its name under $MICROCODER_DATA_DIR).")
    p.add_argument("--source", required=True, metavar="NAME", help=f"the input's schema: {SOURCE_HELP}")
    p.add_argument("--input", required=True, nargs="+", metavar="PATH|HUB_NAME",
                   help="parquet/JSONL/JSON files or folders of them; a hub name (owner/name[:config]) is used only "
                        "when no such path exists and the `datasets` package is installed and online")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created)")
    p.add_argument("--split", choices=("train", "test"), default="train", help="which split to write (default: train)")
    p.add_argument("--window", default=None, metavar="START:END",
                   help="keep problems whose contest date is in [START, END) (ISO dates; either side may be empty); "
                        "recorded in the manifest, since 'LiveCodeBench v6' names different windows in different "
                        "papers. Problems without a date are outside any window")
    p.add_argument("--release", default=None, metavar="vN",
                   help="livecodebench: read the cumulative release vN from a folder (test.jsonl … testN.jsonl)")
    p.add_argument("--limit", type=positive_int, default=None, metavar="N", help="stop after N written problems")
    p.add_argument("--template", default="livecodebench", metavar="NAME",
                   help="prompt template (microcoder.data.prompts; same registry as data.prompt_template): "
                        "livecodebench (its official prompt, the default) or plain")
    p.add_argument("--json", action="store_true", help="print the manifest entry as JSON")

    s = sub.add_parser("stats", help="counts of a prepared dataset by source, platform, difficulty, style, tests",
                       description="Counts of DIR/<split>.jsonl (or a .jsonl file) by source, platform, difficulty "
                                   "and style, and tests per problem; with the manifest's provenance.")
    s.add_argument("dir", help="prepared folder (or a .jsonl file)")
    s.add_argument("--json", action="store_true", help="print JSON instead of the table")

    f = sub.add_parser(
        "filter", help="keep problems whose pass rate under a model is within a range (difficulty filtering)",
        description="Sample --n responses per problem of DIR's --split with a model (an HF model directory or a "
                    "preset; the local backend's sampler, on a GPU when there is one), judge each in the sandbox, "
                    "and write to --out the problems whose pass rate p has LOW <= p <= HIGH (parquet, JSONL, "
                    "manifest entry `filtered`) plus pass_rates.jsonl for every sampled problem. DeepCoder's "
                    "offline difficulty filtering; the study's harder vs easier training data.")
    f.add_argument("dir", help="prepared folder")
    f.add_argument("--out", required=True, metavar="DIR", help="output folder (a new one)")
    f.add_argument("--split", choices=("train", "test"), default="train", help="which split (default: train)")
    who = f.add_mutually_exclusive_group(required=True)
    who.add_argument("--model-path", default=None, metavar="DIR", help="an HF causal-LM directory")
    who.add_argument("--preset", default=None, metavar="NAME", help="a model preset (micro, smollm2-135m)")
    f.add_argument("--n", type=positive_int, default=8, help="responses per problem (default: 8)")
    f.add_argument("--low", type=fraction, default=0.0, help="lowest pass rate kept (default: 0.0)")
    f.add_argument("--high", type=fraction, default=1.0, help="highest pass rate kept (default: 1.0)")
    f.add_argument("--temperature", type=nonnegative_float, default=1.0, help="sampling temperature (default: 1.0)")
    f.add_argument("--max-new-tokens", type=positive_int, default=1024, help="response length limit (default: 1024)")
    f.add_argument("--evaluator", default="microcoder", help="microcoder (robust, default) or strict")
    f.add_argument("--limit", type=positive_int, default=None, metavar="N", help="sample only the first N problems")
    f.add_argument("--batch-prompts", type=positive_int, default=16, metavar="N", help="prompts per sampling batch")
    f.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    f.add_argument("--json", action="store_true", help="print the manifest entry as JSON")

    d = sub.add_parser("decontam", help="find training problems that overlap test problems (hash + n-grams)",
                       description="Compare the statements of TRAIN (its train.jsonl) and TEST (its test.jsonl): "
                                   "equal normalised-text hashes, or a shared fraction of word n-grams at least "
                                   "--min-overlap of the shorter statement's. Reports each overlapping training "
                                   "id with its test id; --write-clean writes the training split without them.")
    d.add_argument("train", help="prepared training folder or .jsonl file")
    d.add_argument("test", help="prepared test folder or .jsonl file")
    d.add_argument("--n", type=positive_int, default=13, help="words per n-gram (default: 13)")
    d.add_argument("--min-overlap", type=fraction, default=0.5, metavar="F",
                   help="flag pairs sharing at least this fraction of n-grams (default: 0.5)")
    d.add_argument("--write-clean", default=None, metavar="DIR", help="write TRAIN's train split without the "
                                                                      "overlapping problems to DIR")
    d.add_argument("--json", action="store_true", help="print the full report as JSON")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (ValueError, FileNotFoundError, KeyError) as e:
        print(f"microcoder data {args.data_command}: {e}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.data_command == "prepare":
        from .prepare import prepare, summary_line

        entry = prepare(args.source, args.input, args.out, split=args.split, window=args.window, limit=args.limit,
                        template=args.template, release=args.release)
        if args.json:
            print(json.dumps(entry, indent=1, ensure_ascii=False))
        else:
            print(summary_line(entry))
            for reason, k in list(entry["rejected"].items())[:10]:
                print(f"  rejected {k}: {reason}")
            for reason, k in list(entry["malformed"].items())[:10]:
                print(f"  malformed {k}: {reason}")
            print(f"wrote {args.out}/{args.split}.parquet, {args.split}.jsonl, manifest.json")
        return 0
    if args.data_command == "stats":
        from .stats import dataset_stats, format_stats

        stats = dataset_stats(args.dir)
        print(json.dumps(stats, indent=1) if args.json else format_stats(stats))
        return 0
    if args.data_command == "filter":
        from .difficulty_filter import filter_by_pass_rate

        entry = filter_by_pass_rate(args.dir, args.out, split=args.split, model_path=args.model_path,
                                    preset=args.preset, n=args.n, low=args.low, high=args.high,
                                    temperature=args.temperature, max_new_tokens=args.max_new_tokens,
                                    evaluator=args.evaluator, limit=args.limit, batch_prompts=args.batch_prompts,
                                    device=args.device, log=lambda s: print(s, file=sys.stderr))
        if args.json:
            print(json.dumps(entry, indent=1))
        else:
            print(f"kept {entry['kept']} of {entry['kept'] + entry['dropped']} problems with pass rate in "
                  f"[{args.low}, {args.high}] (n={args.n}); wrote {args.out} (pass_rates.jsonl: every sampled "
                  f"problem's rate)")
        return 0
    if args.data_command == "decontam":
        from .decontam import find_overlaps, write_clean

        report = find_overlaps(args.train, args.test, n=args.n, min_overlap=args.min_overlap)
        if args.write_clean:
            report["clean"] = write_clean(args.train, args.write_clean, set(report["overlapping_train_ids"]))
        if args.json:
            print(json.dumps(report, indent=1))
        else:
            ids = report["overlapping_train_ids"]
            print(f"{len(ids)} of {report['train']} training problems overlap {report['test']} test problems "
                  f"({report['n']}-grams, min overlap {report['min_overlap']})")
            for o in report["overlaps"][:50]:
                print(f"  {o['train_id']}  ~  {o['test_id']}  {o['kind']} {o['overlap']}")
            if len(report["overlaps"]) > 50:
                print(f"  … and {len(report['overlaps']) - 50} more (--json for all)")
            if args.write_clean:
                print(f"wrote {args.write_clean} (kept {report['clean']['kept']})")
        return 0
    return 2
