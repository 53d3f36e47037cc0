"""Events → lines of log_data JSON, byte-compatible with the app's logs; and damaged lines.

Every value is looked up in lists of pre-rendered JSON fragments, so one line costs one f-string.
"""

from collections import Counter

import numpy as np

from sparkify_generator import model
from sparkify_generator.catalogue import Catalogue
from sparkify_generator.population import LOGGED_OUT_FIELDS, Population, UserFieldTables
from sparkify_generator.sessions import CANCELLATION, LOGGED_IN, Events

_PAGE = [f'"method":"{p.method}","page":"{p.name}",' for p in model.PAGES]
_STATUS = [str(p.status) for p in model.PAGES]
_AUTH = [
    '"Cancelled"' if i == CANCELLATION else ('"Logged In"' if p.logged_in else '"Logged Out"')
    for i, p in enumerate(model.PAGES)
]
_LEVEL = ['"free"', '"paid"']


def format_lines(
    events: Events, population: Population, catalogue: Catalogue, user_tables: UserFieldTables
) -> list[str]:
    """One JSON line per event (time-ordered input), keys in the app's alphabetical order."""
    # Signed-out events carry no user: they point at the extra "nobody" entry.
    signed_in = LOGGED_IN[events.state]
    users, slot = np.unique(events.user[signed_in], return_inverse=True)
    who = np.full(len(events), len(users), dtype=np.int64)
    who[signed_in] = slot
    first, last, where, registered, agent_id = (
        [*fragments, nobody]
        for fragments, nobody in zip(
            user_tables.render(population, users), LOGGED_OUT_FIELDS, strict=True
        )
    )
    artist, title, length = catalogue.artist_json, catalogue.title_json, catalogue.length_text
    return [
        f'{{"artist":{artist[s]},"auth":{_AUTH[p]},{first[u]}"itemInSession":{i},{last[u]}'
        f'"length":{length[s]},"level":{_LEVEL[lv]},{where[u]}{_PAGE[p]}{registered[u]}'
        f'"sessionId":{sid},"song":{title[s]},"status":{_STATUS[p]},"ts":{t},{agent_id[u]}}}\n'
        for s, p, u, i, lv, sid, t in zip(
            events.song.tolist(),
            events.state.tolist(),
            who.tolist(),
            events.item.tolist(),
            events.level.tolist(),
            events.session.tolist(),
            events.ts.tolist(),
            strict=True,
        )
    ]


# How a line gets damaged in the wild, and the reason the pipeline's quarantine gives for it.
DAMAGE_KINDS = ("truncated", "blank", "wrong type", "invalid UTF-8", "non-integer userId")


def _damage(line: str, kind: str) -> bytes:
    if kind == "truncated":
        return line[: len(line) // 2].encode() + b"\n"
    if kind == "blank":
        return b"\n"
    if kind == "wrong type":
        return (
            line.replace('"sessionId":', '"sessionId":"x', 1)
            .replace(',"song":', '","song":', 1)
            .encode()
        )
    if kind == "invalid UTF-8":
        return line.replace('"auth":"', '"auth":"\udcff', 1).encode("utf-8", "surrogateescape")
    return line.replace('"userId":"', '"userId":"user-', 1).encode()


def encode_with_damage(
    lines: list[str], rng: np.random.Generator, rate: float, damaged: Counter
) -> bytes:
    """The lines as bytes, each followed by a damaged copy of itself with probability `rate`.

    The good lines are all kept; `damaged` counts the extra lines by kind.
    """
    if rate <= 0 or not lines:
        return "".join(lines).encode()
    positions = np.flatnonzero(rng.random(len(lines)) < rate)
    kinds = rng.integers(0, len(DAMAGE_KINDS), len(positions))
    chunks: list[bytes] = []
    previous = 0
    for position, kind in zip(positions.tolist(), kinds.tolist(), strict=True):
        chunks.append("".join(lines[previous : position + 1]).encode())
        name = DAMAGE_KINDS[kind]
        if name == "non-integer userId" and '"userId":""' in lines[position]:
            name = "truncated"  # a signed-out line has no userId to spoil
        chunks.append(_damage(lines[position], name))
        damaged[name] += 1
        previous = position + 1
    chunks.append("".join(lines[previous:]).encode())
    return b"".join(chunks)
