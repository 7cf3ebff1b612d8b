"""`microcoder data stats DIR`: what a prepared dataset holds — counts by source, platform, difficulty and style,
and tests per problem — read line by line from DIR/<split>.jsonl (a .jsonl file works too).

    s = dataset_stats("data/lcb-v6")     # {"test": {"problems": 1055, "by": {"platform": {...}, ...}, ...}}
    print(format_stats(s))               # one table per split
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path

from .prepare import SPLITS
from .readers import prepared_lines

AXES = ("source", "platform", "difficulty", "style")


def _files(path: str | Path) -> dict[str, Path]:
    p = Path(path)
    if p.is_file():
        return {p.stem: p}
    files = {s: p / f"{s}.jsonl" for s in SPLITS if (p / f"{s}.jsonl").is_file()}
    if not files:
        raise FileNotFoundError(f"{p}: no {' or '.join(s + '.jsonl' for s in SPLITS)} (prepare it with "
                                f"`microcoder data prepare`)")
    return files


def split_stats(path: Path) -> dict:
    by = {a: Counter() for a in AXES}
    tests: list[int] = []
    for _, d in prepared_lines(path):
        for a in AXES:
            by[a][str(d.get(a) or "-")] += 1
        tests.append(len(d.get("tests") or []))
    n = len(tests)
    return {"problems": n, "by": {a: dict(c.most_common()) for a, c in by.items()},
            "tests_per_problem": {"min": min(tests, default=0), "median": statistics.median(tests) if tests else 0,
                                  "mean": round(sum(tests) / n, 2) if n else 0, "max": max(tests, default=0),
                                  "total": sum(tests)}}


def dataset_stats(path: str | Path) -> dict:
    out = {split: split_stats(f) for split, f in _files(path).items()}
    manifest = Path(path) / "manifest.json"
    if manifest.is_file():
        m = json.loads(manifest.read_text())
        for split, entry in (m.get("splits") or {}).items():
            if split in out:
                out[split]["prepared"] = {k: entry.get(k) for k in ("source", "window", "release", "template",
                                                                   "created", "counts", "rejected")}
    return out


def format_stats(stats: dict) -> str:
    lines = []
    for split, s in stats.items():
        lines.append(f"{split}: {s['problems']} problems")
        prep = s.get("prepared")
        if prep:
            c = prep.get("counts") or {}
            lines.append(f"  prepared from {prep['source']} (template {prep['template']}, window "
                         f"{prep['window'] or 'none'}, release {prep['release'] or '-'}): read {c.get('read')}, "
                         f"malformed {c.get('malformed')}, rejected {c.get('rejected')}, outside window "
                         f"{c.get('outside_window')}")
        for axis in AXES:
            cells = "  ".join(f"{k} {v}" for k, v in s["by"][axis].items())
            lines.append(f"  {axis:<11} {cells}")
        t = s["tests_per_problem"]
        lines.append(f"  {'tests':<11} min {t['min']}  median {t['median']}  mean {t['mean']}  max {t['max']}  "
                     f"total {t['total']}")
    return "\n".join(lines)
