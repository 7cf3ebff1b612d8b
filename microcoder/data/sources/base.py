"""The source registry's floor: `Source`, `SOURCES`, `add_source` and the helpers every source module shares
(the source modules import this; `microcoder.data.sources` imports them to register them)."""

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


SOURCES: Registry[Source] = Registry("data source", describe=lambda s: s.about)


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
