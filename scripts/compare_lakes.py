"""Compare two lakes table directory by table directory, byte for byte: a refactoring's proof.

    .venv/bin/python scripts/compare_lakes.py LAKE_BEFORE LAKE_AFTER   # exit 1 if any differ

File names hold UUIDs, so a directory's files are compared as a multiset. parquet-mr writes each
column's set of encodings in the footer in an order that varies between JVM runs of the same code
(a HashSet), so each file is reduced to: its bytes before the footer (every data page), and its
footer with those encoding lists sorted. Anything else differing counts as a difference.
"""

import hashlib
import json
import struct
import sys
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq


def canonical(path: Path) -> str:
    """A parquet file's bytes, with the footer's per-column encoding lists in sorted order."""
    raw = path.read_bytes()
    footer_len = struct.unpack("<I", raw[-8:-4])[0]
    pages = raw[: len(raw) - 8 - footer_len]
    meta = pq.ParquetFile(path).metadata
    footer = {
        "len": footer_len,
        "created_by": meta.created_by,
        "kv": {k.decode(): v.decode() for k, v in (meta.metadata or {}).items()},
        "row_groups": [],
    }
    for g in range(meta.num_row_groups):
        cols = []
        for c in range(meta.num_columns):
            d = meta.row_group(g).column(c).to_dict()
            d["encodings"] = sorted(d["encodings"])
            cols.append(d)
        footer["row_groups"].append(cols)
    return (
        hashlib.sha256(pages).hexdigest()
        + hashlib.sha256(json.dumps(footer, sort_keys=True, default=str).encode()).hexdigest()
    )


def digest(lake: Path) -> dict[str, Counter]:
    out = {}
    for p in sorted(lake.rglob("*.parquet")):
        rel = str(p.parent.relative_to(lake))
        if rel.startswith("_"):
            continue
        out.setdefault(rel, Counter())[canonical(p)] += 1
    return out


def differing(before: Path, after: Path) -> list[str]:
    """The table directories (relative to the lakes) whose files differ."""
    a, b = digest(before), digest(after)
    return [d for d in sorted(set(a) | set(b)) if a.get(d) != b.get(d)]


def main(argv: list[str]) -> int:
    before, after = (Path(x) for x in argv[:2])
    differ = differing(before, after)
    for directory in differ:
        print(f"DIFFERS: {directory}")
    total = len(set(digest(before)) | set(digest(after)))
    print(
        f"{total - len(differ)} directories identical (data pages byte for byte, footers up to "
        f"encoding order), {len(differ)} differ"
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
