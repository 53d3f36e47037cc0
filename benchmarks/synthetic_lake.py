"""Benchmark inputs built from the real sample: a big day of events and many one-song files.

Deterministic: the same arguments always write the same bytes.
"""

import json
from datetime import UTC, date, datetime
from pathlib import Path


def _sample_events(sample: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted((sample / "log_data").rglob("*-events.json"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def write_big_day(sample: Path, source: Path, day: date, events: int) -> Path:
    """One day's log file of `events` events: the sample's events replayed across the day."""
    templates = _sample_events(sample)
    start_ms = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
    step = 86_400_000 / events
    path = source / "log_data" / f"{day:%Y}" / f"{day:%m}" / f"{day.isoformat()}-events.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for i in range(events):
            event = dict(templates[i % len(templates)])
            cycle = i // len(templates)
            event["ts"] = start_ms + int(i * step)
            event["sessionId"] = event["sessionId"] + cycle * 100_000
            out.write(json.dumps(event, separators=(",", ":")) + "\n")
    return path


def write_song_files(sample: Path, source: Path, count: int) -> list[Path]:
    """`count` one-song files in the MSD layout, ids unique, artists shared by ~3 songs each."""
    templates = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((sample / "song_data").rglob("*.json"))
    ]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    paths = []
    for i in range(count):
        song = dict(templates[i % len(templates)])
        song["song_id"] = f"SOBENCH{i:011d}"
        song["artist_id"] = f"ARBENCH{i // 3:011d}"
        song["title"] = f"{song['title']} #{i}"
        folder = (
            source / "song_data" / letters[i % 26] / letters[i // 26 % 26] / letters[i // 676 % 26]
        )
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"TRBENCH{i:011d}.json"
        path.write_text(json.dumps(song), encoding="utf-8")
        paths.append(path)
    return paths
