"""Source schemas: one loader per public dataset layout, each turning a raw row into a `ProblemRecord`.

    from microcoder.data.sources import SOURCES
    src = SOURCES.get("livecodebench")
    rec = src.parse(row)            # ProblemRecord; raises RowError (malformed) or Rejected (unusable, with reason)

Registered names (`microcoder data prepare --source NAME`): livecodebench; deepcoder (the test layout detected per
row) and deepcoder-{primeintellect,taco,lcbv5,codeforces}; open-r1-verifiable, open-r1-codeforces; taco, apps;
microcoder (our documented JSONL, see sources/microcoder_jsonl.py). Each entry also names the hub dataset it
comes from, used only when `--input` is not a local path and the `datasets` package is online.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable

from microcoder.registry import Registry

from ..record import ProblemRecord


@dataclass(frozen=True)
class Source:
    name: str
    parse: Callable[[dict], ProblemRecord]
    hub: str | None  # the `datasets` name (``owner/name`` or ``owner/name:config``) when online
    about: str  # one line for --help and `microcoder ls`
    file_pattern: str | None = None  # a folder's files must match this glob (LiveCodeBench: test*.jsonl)


SOURCES: Registry[Source] = Registry("data source")


def add_source(name: str, parse: Callable[[dict], ProblemRecord], hub: str | None, about: str,
               file_pattern: str | None = None) -> None:
    SOURCES.add(name, Source(name, parse, hub, about, file_pattern))


def content_id(prefix: str, text: str) -> str:
    """A stable id for rows without one: prefix + 12 hex digits of the statement's SHA-1."""
    return f"{prefix}/{hashlib.sha1(text.encode('utf-8')).hexdigest()[:12]}"


def first_text(row: dict, *keys: str) -> str:
    for k in keys:
        v = row.get(k)
        if isinstance(v, str) and v.strip():
            return v
    return ""


def platform_of(value: Any) -> str | None:
    """A platform name from a source/url field: atcoder, codeforces, leetcode, or the value lower-cased."""
    if not value:
        return None
    text = str(value).lower()
    for name in ("atcoder", "codeforces", "leetcode", "codewars", "codechef", "hackerrank", "aizu", "geeksforgeeks"):
        if name in text:
            return name
    return text if "/" not in text else None


from . import deepcoder, livecodebench, microcoder_jsonl, openr1, taco_apps  # noqa: E402,F401  (register)

__all__ = ["SOURCES", "Source", "add_source", "content_id", "first_text", "platform_of"]
