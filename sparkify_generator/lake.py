"""Writes a whole raw lake: song_data/ once, then log_data/ day by day in time order.

Time is walked in windows of 15 minutes or less. Sessions starting in a window are played out at once; their
events join a pending buffer, and only events before the window's end (which no later session
can precede) are written. Memory holds the population, the catalogue and about one window.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from sparkify_dagster.layout import log_file_path
from sparkify_generator import model
from sparkify_generator.catalogue import Catalogue, make_catalogue
from sparkify_generator.log_writer import BackgroundLogFileWriter, LogFileWriter
from sparkify_generator.population import (
    DAY_MS,
    PAID,
    Population,
    UserFieldTables,
    make_population,
)
from sparkify_generator.sessions import LOGGED_IN, NEXT_SONG, Events, SessionSimulator
from sparkify_generator.sinks import LakeSink

# Windows are 15 minutes, or shorter at high rates: a window holds ~20k events at most on average.
_MAX_WINDOW_MS = 15 * 60 * 1000
_EVENTS_PER_WINDOW = 20_000


# Sessions start this long before the first day, so day 1 opens with sessions already under way.
WARM_UP_MS = 4 * 3_600_000


def windows_per_day(events_per_day: int) -> int:
    """How many windows a day is cut into; a multiple of 96, so windows are whole seconds."""
    base = DAY_MS // _MAX_WINDOW_MS
    return base * max(1, -(-events_per_day // (base * _EVENTS_PER_WINDOW)))


@dataclass
class DayFigures:
    """What one day's file holds; the pipeline's tables must reconcile with these."""

    day: date
    events: int = 0
    damaged_lines: int = 0
    listens: int = 0
    listens_of_listed_songs: int = 0
    users: int = 0
    paid_users: int = 0
    pages: Counter = field(default_factory=Counter)


@dataclass
class GenerationSummary:
    out: str
    users: int
    songs_listed: int
    songs_unlisted: int
    days: list[DayFigures]
    damaged_by_kind: Counter

    def _total(self, figure: str) -> int:
        return sum(getattr(d, figure) for d in self.days)

    @property
    def events(self) -> int:
        return self._total("events")

    @property
    def damaged_lines(self) -> int:
        return self._total("damaged_lines")

    @property
    def listens(self) -> int:
        return self._total("listens")

    @property
    def listens_of_listed_songs(self) -> int:
        return self._total("listens_of_listed_songs")

    @property
    def pages(self) -> Counter:
        total: Counter = Counter()
        for d in self.days:
            total.update(d.pages)
        return total


def _epoch_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


class _DayTally:
    """Counts users by their last level of the day, without keeping the day's events."""

    def __init__(self, users: int) -> None:
        self.last_level = np.full(users, -1, dtype=np.int8)

    def add(self, events: Events) -> None:
        signed_in = LOGGED_IN[events.state]
        users, levels = events.user[signed_in], events.level[signed_in]
        # Time-ordered input: the last occurrence of a user is their latest level.
        reversed_users = users[::-1]
        _, last = np.unique(reversed_users, return_index=True)
        self.last_level[reversed_users[last]] = levels[::-1][last]

    def close(self, figures: DayFigures) -> None:
        figures.users = int((self.last_level >= 0).sum())
        figures.paid_users = int((self.last_level == PAID).sum())
        self.last_level.fill(-1)


@dataclass
class World:
    """The simulated service of one seed: songs, users and the sessions they play; what log
    files and Kafka messages are both written from, so both carry the same events."""

    catalogue: Catalogue
    population: Population
    simulator: SessionSimulator
    damage_seed: np.random.SeedSequence
    start: date
    days: int
    events_per_day: int

    @property
    def users(self) -> int:
        return self.population.size

    def days_of_events(self) -> Iterator[tuple[date, Iterator[Events]]]:
        """Each day and its events, window by window in time order (consume each day's
        windows before asking for the next day)."""
        windows = windows_per_day(self.events_per_day)
        window_ms = DAY_MS // windows
        start_ms = _epoch_ms(self.start)
        pending = Events.empty()
        for t0 in range(start_ms - WARM_UP_MS, start_ms, window_ms):
            warm = Events.concat([pending, self.simulator.window(t0, t0 + window_ms)])
            pending = warm.take(warm.ts >= start_ms)

        def day_windows(day_ms: int) -> Iterator[Events]:
            nonlocal pending
            for w in range(windows):
                t0, t1 = day_ms + w * window_ms, day_ms + (w + 1) * window_ms
                batch = Events.concat([pending, self.simulator.window(t0, t1)]).in_time_order()
                ready = int(np.searchsorted(batch.ts, t1))
                events, pending = batch.take(slice(0, ready)), batch.take(slice(ready, None))
                yield events

        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            yield day, day_windows(_epoch_ms(day))


def make_world(
    *,
    start: date,
    days: int,
    events_per_day: int,
    songs: int,
    seed: int,
    users: int | None = None,
    absent_song_share: float = 0.1,
    log_quirks: bool = True,
) -> World:
    """The world of these arguments; the same arguments always give the same events."""
    if days < 1:
        raise ValueError("days must be at least 1")
    if events_per_day < 1:
        raise ValueError("events_per_day must be at least 1")
    users = users or max(10, round(events_per_day / model.EVENTS_PER_USER_PER_DAY))
    population_seed, catalogue_seed, session_seed, damage_seed = np.random.SeedSequence(seed).spawn(
        4
    )
    catalogue = make_catalogue(
        np.random.default_rng(catalogue_seed), songs, absent_song_share, log_quirks
    )
    population = make_population(
        np.random.default_rng(population_seed), users, _epoch_ms(start), days
    )
    simulator = SessionSimulator(
        np.random.default_rng(session_seed), population, catalogue, events_per_day
    )
    return World(catalogue, population, simulator, damage_seed, start, days, events_per_day)


def generate_lake(
    sink: LakeSink,
    *,
    start: date,
    days: int,
    events_per_day: int,
    songs: int,
    seed: int,
    users: int | None = None,
    bad_line_rate: float = 0.0,
    absent_song_share: float = 0.1,
    log_quirks: bool = True,
    on_window: Callable[[int], None] | None = None,
    background_writer: bool = True,
) -> GenerationSummary:
    """Generates a raw lake; the same arguments always give the same bytes.

    With `background_writer`, lines are formatted and written by a second process.
    """
    if not 0 <= bad_line_rate < 1:
        raise ValueError("bad_line_rate must be in [0, 1)")
    world = make_world(
        start=start,
        days=days,
        events_per_day=events_per_day,
        songs=songs,
        seed=seed,
        users=users,
        absent_song_share=absent_song_share,
        log_quirks=log_quirks,
    )
    catalogue, population = world.catalogue, world.population
    user_tables = UserFieldTables(log_quirks=log_quirks)

    def make_writer() -> LogFileWriter:
        return LogFileWriter(
            sink.fresh() if background_writer else sink,
            population,
            catalogue,
            user_tables,
            bad_line_rate,
            np.random.default_rng(world.damage_seed),
        )

    sink.write_text_files(catalogue.song_files)
    summary = GenerationSummary(
        out=sink.describe(),
        users=world.users,
        songs_listed=len(catalogue.song_files),
        songs_unlisted=catalogue.size - len(catalogue.song_files),
        days=[],
        damaged_by_kind=Counter(),
    )
    days_of_events = world.days_of_events()
    tally = _DayTally(world.users)
    writer = BackgroundLogFileWriter(make_writer) if background_writer else make_writer()
    try:
        for day, windows in days_of_events:
            figures = DayFigures(day)
            writer.open_day(log_file_path(day))
            for events in windows:
                writer.write(events)
                _count(figures, events, catalogue.present)
                tally.add(events)
                if on_window:
                    on_window(len(events))
            writer.close_day()
            tally.close(figures)
            summary.days.append(figures)
        damaged_per_day = writer.finish()
    except BaseException:
        writer.abort()
        raise
    for figures, damaged in zip(summary.days, damaged_per_day, strict=True):
        figures.damaged_lines = damaged.total()
        summary.damaged_by_kind.update(damaged)
    return summary


def _count(figures: DayFigures, events: Events, listed: np.ndarray) -> None:
    figures.events += len(events)
    plays = events.song[events.state == NEXT_SONG]
    figures.listens += len(plays)
    figures.listens_of_listed_songs += int(listed[plays].sum())
    states, counts = np.unique(events.state, return_counts=True)
    for s, c in zip(states.tolist(), counts.tolist(), strict=True):
        figures.pages[model.PAGES[s].name] += c
