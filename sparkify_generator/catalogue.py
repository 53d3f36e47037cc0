"""Songs and artists shaped like the Million Song Dataset, with a popularity for every song.

Part of the catalogue is played but never written to song_data/ (the real logs mostly name songs
that the MSD subset lacks), so the pipeline's match rate is known in advance.
"""

import json
from dataclasses import dataclass

import numpy as np

from sparkify_dagster.layout import song_file_path
from sparkify_generator import model
from sparkify_generator.text import log_json_string

_ID_ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
_LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


@dataclass(frozen=True)
class Catalogue:
    """Every playable song; index `len(titles)` stands for "no song" in the log strings."""

    song_files: list[tuple[str, str]]  # (path under the lake root, file text), present songs
    present: np.ndarray  # bool per song: written to song_data/
    length_ms: np.ndarray  # int64 per song: how long a play lasts
    cumulative_popularity: np.ndarray  # float64, last = 1.0
    artist_json: list[str]  # per song + "null": artist name as the logs spell it
    title_json: list[str]
    length_text: list[str]
    # The same, as plain values per song (Streamify's messages are plain JSON).
    artist_names: list[str]
    titles: list[str]
    lengths_s: list[float]

    @property
    def size(self) -> int:
        return len(self.present)

    def draw(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Songs for `count` plays, by popularity."""
        return np.searchsorted(self.cumulative_popularity, rng.random(count), side="right")


def _ids(rng: np.random.Generator, prefix: str, count: int) -> list[str]:
    """MSD-style ids (prefix + 16 of A-Z0-9), unique; the first three are letters (folders)."""
    seen: set[str] = set()
    ids: list[str] = []
    while len(ids) < count:
        need = count - len(ids)
        head = _LETTERS[rng.integers(0, 26, size=(need, 3))]
        tail = _ID_ALPHABET[rng.integers(0, 36, size=(need, 13))]
        for chars in np.concatenate([head, tail], axis=1):
            value = prefix + "".join(chars)
            if value not in seen:
                seen.add(value)
                ids.append(value)
    return ids


def _unique(names: list[str]) -> list[str]:
    """Makes names unique by numbering repeats, keeping the first as it is."""
    counts: dict[str, int] = {}
    out = []
    for name in names:
        n = counts.get(name, 0) + 1
        counts[name] = n
        out.append(name if n == 1 else f"{name} {n}")
    return out


def _with_accents(
    rng: np.random.Generator, names: list[list[str]], accented: tuple[str, ...]
) -> list[list[str]]:
    """Puts an accented part into a few names (ACCENTED_NAME_SHARE of them)."""
    chosen = np.flatnonzero(rng.random(len(names)) < model.ACCENTED_NAME_SHARE)
    parts = rng.integers(0, len(accented), len(chosen))
    for i, part in zip(chosen.tolist(), parts.tolist(), strict=True):
        names[i][0] = accented[part]
    return names


def _artist_names(rng: np.random.Generator, count: int) -> list[str]:
    syllables = np.array(model.ARTIST_SYLLABLES)
    suffixes = np.array(model.ARTIST_SUFFIXES)
    firsts = [
        list(syllables[rng.integers(0, len(syllables), n + 1)]) for n in rng.integers(1, 4, count)
    ]
    firsts = _with_accents(rng, firsts, model.ACCENTED_ARTIST_SYLLABLES)
    names = []
    for first, n_last, suffix in zip(
        firsts, rng.integers(0, 3, count), rng.integers(0, len(suffixes), count), strict=True
    ):
        head = "".join(first).capitalize()
        last = "".join(syllables[rng.integers(0, len(syllables), n_last + 1)]).capitalize()
        names.append(f"{head} {last}" if n_last else head + suffixes[suffix])
    return _unique(names)


def _titles(rng: np.random.Generator, count: int) -> list[str]:
    words = np.array(model.TITLE_WORDS)
    lengths = rng.choice([1, 2, 3], size=count, p=[0.3, 0.5, 0.2])
    titles = [list(words[rng.integers(0, len(words), n)]) for n in lengths]
    return [" ".join(t) for t in _with_accents(rng, titles, model.ACCENTED_TITLE_WORDS)]


def make_catalogue(
    rng: np.random.Generator, songs: int, absent_share: float, double_encode: bool
) -> Catalogue:
    """`songs` songs for song_data/ plus enough unlisted ones to make `absent_share` of plays."""
    if songs < 1:
        raise ValueError("at least one song is needed")
    if not 0 <= absent_share < 1:
        raise ValueError("absent_share must be in [0, 1)")
    absent = round(songs * absent_share / (1 - absent_share))
    total = songs + absent
    artists = max(1, round(total / model.SONGS_PER_ARTIST))

    artist_ids = _ids(rng, "AR", artists)
    artist_names = _artist_names(rng, artists)
    located = rng.random(artists) >= model.NO_LOCATION_SHARE
    city_names = [name for name, _ in model.LOCATIONS]
    cities = rng.integers(0, len(city_names), artists)
    has_coordinates = rng.random(artists) >= model.NO_COORDINATES_SHARE
    latitudes = np.round(rng.uniform(25.0, 49.0, artists), 5)
    longitudes = np.round(rng.uniform(-124.0, -67.0, artists), 5)

    song_artist = rng.integers(0, artists, total)
    titles = _titles(rng, total)
    # (title, artist) identifies a song in the logs: keep it unique so matches are unambiguous.
    seen: dict[tuple[str, int], int] = {}
    for i, key in enumerate(zip(titles, song_artist.tolist(), strict=True)):
        n = seen.get(key, 0) + 1
        seen[key] = n
        if n > 1:
            titles[i] = f"{titles[i]} (Take {n})"
    durations = np.round(
        np.exp(rng.normal(np.log(model.SONG_DURATION_MEDIAN_S), model.SONG_DURATION_SIGMA, total)),
        5,
    ).clip(10.0, None)
    years = np.where(
        rng.random(total) < model.UNKNOWN_YEAR_SHARE, 0, rng.integers(1955, 2011, total)
    )
    song_ids = _ids(rng, "SO", total)
    track_ids = _ids(rng, "TR", total)
    present = np.zeros(total, dtype=bool)
    present[rng.permutation(total)[:songs]] = True

    ranks = rng.permutation(total) + 1
    weights = 1.0 / ranks**model.SONG_POPULARITY_EXPONENT
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0

    song_files = []
    for i in np.flatnonzero(present).tolist():
        a = int(song_artist[i])
        record = {
            "num_songs": 1,
            "artist_id": artist_ids[a],
            "artist_latitude": float(latitudes[a]) if has_coordinates[a] else None,
            "artist_longitude": float(longitudes[a]) if has_coordinates[a] else None,
            "artist_location": city_names[cities[a]] if located[a] else "",
            "artist_name": artist_names[a],
            "song_id": song_ids[i],
            "title": titles[i],
            "duration": float(durations[i]),
            "year": int(years[i]),
        }
        song_files.append((song_file_path(track_ids[i]), json.dumps(record)))

    return Catalogue(
        song_files=song_files,
        present=present,
        length_ms=np.round(durations * 1000).astype(np.int64),
        cumulative_popularity=cumulative,
        artist_json=[
            log_json_string(artist_names[a], double_encode=double_encode)
            for a in song_artist.tolist()
        ]
        + ["null"],
        title_json=[log_json_string(t, double_encode=double_encode) for t in titles] + ["null"],
        length_text=[repr(float(d)) for d in durations] + ["null"],
        artist_names=[artist_names[a] for a in song_artist.tolist()],
        titles=titles,
        lengths_s=durations.tolist(),
    )
