"""A prepared split without some of its problems: what `data decontam --write-clean` and `data filter` write.

`write_subset(src, out, drop, split, key, note)` copies `src/<split>.jsonl` line by line and `src/<split>.parquet`
batch by batch into `out`, leaving out the problems whose id is in `drop`, and writes `out/manifest.json` = the
source's manifest plus `{key: {"from", "dropped", "kept", **note}}`, so a filtered dataset says where it came from
and why it is smaller. Memory holds one parquet batch, never the dataset.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_subset(src: str | Path, out: str | Path, drop: set[str], split: str, key: str,
                 note: dict[str, Any]) -> dict:
    """Copy the prepared `split` of `src` to `out` without the `drop` ids; returns the manifest's `key` entry."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    src, out = Path(src), Path(out)
    if not (src / f"{split}.jsonl").is_file():
        raise FileNotFoundError(f"{src}/{split}.jsonl: not found (a prepared folder is needed)")
    if out.resolve() == src.resolve():
        raise ValueError(f"{out}: write to a new folder, not the source folder itself")
    out.mkdir(parents=True, exist_ok=True)
    kept = 0
    with open(src / f"{split}.jsonl", encoding="utf-8") as f, open(out / f"{split}.jsonl", "w", encoding="utf-8") as g:
        for line in f:
            if line.strip() and str(json.loads(line).get("id")) not in drop:
                g.write(line)
                kept += 1
    pq_src = src / f"{split}.parquet"
    if pq_src.is_file():
        pf = pq.ParquetFile(pq_src)
        with pq.ParquetWriter(out / f"{split}.parquet", pf.schema_arrow) as w:
            for batch in pf.iter_batches(batch_size=256):
                ids = [str(e["id"]) for e in batch.column("extra_info").to_pylist()]
                mask = pa.array([i not in drop for i in ids])
                w.write_table(pa.Table.from_batches([batch.filter(mask)], schema=pf.schema_arrow))
    manifest = {}
    if (src / "manifest.json").is_file():
        manifest = json.loads((src / "manifest.json").read_text())
    manifest[key] = {"from": str(src), "dropped": len(drop), "kept": kept, **note}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest[key]
