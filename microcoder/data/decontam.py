"""`microcoder data decontam TRAIN TEST`: find training problems that are test problems (or nearly), and write the
training set without them.

Why: DeepCoder/TACO/Open-R1 scrape the same sites LiveCodeBench does; a test problem in the training data inflates
test/accuracy. Two checks on the problem statements (the ``question`` of prepared data, else the prompt):
  exact  the normalised text (lower-case, every run of non-alphanumerics one space) hashes equal;
  ngram  the two statements share at least `min_overlap` of the shorter one's word n-grams (n = 13 by default,
         the window GPT-3's and OLMo's decontamination use; boilerplate like "the first line contains an integer
         t" is shorter than 13 words, and a fraction, not one shared n-gram, decides).
The test set is indexed in memory (n-gram hash → test ids; a test set is small); the training set is streamed.

    report = find_overlaps("data/deepcoder/train.jsonl", "data/lcb-v6/test.jsonl")
    write_clean("data/deepcoder", "data/deepcoder-clean", {o["train_id"] for o in report["overlaps"]})
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterator

from .readers import prepared_lines
from .subset import write_subset

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
DEFAULT_N = 13
DEFAULT_MIN_OVERLAP = 0.5


def normalise(text: str) -> str:
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def text_hash(text: str) -> str:
    return hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()


def ngrams(text: str, n: int = DEFAULT_N) -> set[int]:
    """Hashes of the word n-grams of the normalised text (a text shorter than n words gives its one whole n-gram)."""
    words = normalise(text).split()
    if not words:
        return set()
    if len(words) < n:
        return {hash(" ".join(words))}
    return {hash(" ".join(words[i:i + n])) for i in range(len(words) - n + 1)}


def _jsonl(path: str | Path, split: str) -> Path:
    p = Path(path)
    if p.is_dir():
        p = p / f"{split}.jsonl"
    if not p.is_file():
        raise FileNotFoundError(f"{p}: not found (give a prepared folder or a .jsonl file)")
    return p


def iter_texts(path: Path) -> Iterator[tuple[str, str]]:
    """(id, statement) per line of a prepared/MicroCoder JSONL file."""
    for lineno, d in prepared_lines(path):
        yield str(d.get("id", lineno)), d.get("question") or d.get("prompt") or ""


def find_overlaps(train: str | Path, test: str | Path, n: int = DEFAULT_N,
                  min_overlap: float = DEFAULT_MIN_OVERLAP) -> dict:
    """{"overlaps": [{train_id, test_id, kind: exact|ngram, overlap}], "train": count, "test": count, ...}."""
    if not 0 < min_overlap <= 1:
        raise ValueError(f"min_overlap must be in (0, 1], got {min_overlap}")
    train_f, test_f = _jsonl(train, "train"), _jsonl(test, "test")
    by_hash: dict[str, list[str]] = defaultdict(list)
    index: dict[int, list[str]] = defaultdict(list)
    sizes: dict[str, int] = {}
    n_test = 0
    for tid, text in iter_texts(test_f):
        n_test += 1
        by_hash[text_hash(text)].append(tid)
        grams = ngrams(text, n)
        sizes[tid] = len(grams)
        for g in grams:
            index[g].append(tid)
    overlaps = []
    n_train = 0
    for rid, text in iter_texts(train_f):
        n_train += 1
        exact = by_hash.get(text_hash(text))
        if exact:
            overlaps.extend({"train_id": rid, "test_id": t, "kind": "exact", "overlap": 1.0} for t in exact)
            continue
        grams = ngrams(text, n)
        shared = Counter(t for g in grams for t in index.get(g, ()))
        best = None
        for tid, k in shared.items():
            frac = k / max(1, min(len(grams), sizes[tid]))
            if frac >= min_overlap and (best is None or frac > best[1]):
                best = (tid, frac)
        if best:
            overlaps.append({"train_id": rid, "test_id": best[0], "kind": "ngram", "overlap": round(best[1], 3)})
    return {"train": n_train, "test": n_test, "train_file": str(train_f), "test_file": str(test_f), "n": n,
            "min_overlap": min_overlap, "overlaps": overlaps,
            "overlapping_train_ids": sorted({o["train_id"] for o in overlaps})}


def write_clean(train_dir: str | Path, out: str | Path, drop: set[str], split: str = "train") -> dict:
    """Copy a prepared split without the `drop` ids; the manifest records it under `decontaminated`."""
    return write_subset(train_dir, out, drop, split, "decontaminated", {})
