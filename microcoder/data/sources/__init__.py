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

from . import deepcoder, livecodebench, microcoder_jsonl, openr1, taco_apps  # noqa: F401  (they register)
from .base import SOURCES, Source, add_source, content_id, first_text, platform_of

__all__ = ["SOURCES", "Source", "add_source", "content_id", "first_text", "platform_of"]
