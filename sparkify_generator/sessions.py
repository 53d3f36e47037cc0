"""Sessions: when they start, and the walk of each through the page chain, for many at once.

All sessions that start in a time window are simulated together, one page step at a time over
numpy arrays, so the cost per event is a few vector operations, not Python code.
"""

import math
from dataclasses import dataclass, fields

import numpy as np

from sparkify_generator import model
from sparkify_generator.catalogue import Catalogue
from sparkify_generator.population import DAY_MS, FREE, PAID, Population

STATES = len(model.PAGES)
END = STATES
NEXT_SONG = model.state("NextSong")
SUBMIT_UPGRADE = model.state("Submit Upgrade")
SUBMIT_DOWNGRADE = model.state("Submit Downgrade")
CANCELLATION = model.state("Cancellation Confirmation")
LOGGED_IN = np.array([p.logged_in for p in model.PAGES])
REDIRECT = np.array([p.status == 307 for p in model.PAGES])


def _matrix(level: str) -> np.ndarray:
    """Cumulative next-state probabilities, one row per state (END is what a row leaves)."""
    table = model.transitions(level)
    rows = np.zeros((STATES, STATES))
    for i, page in enumerate(model.PAGES):
        for (name, logged_in), p in table[(page.name, page.logged_in)].items():
            rows[i, model.state(name, logged_in)] += p
    if (rows.sum(axis=1) > 1 + 1e-9).any():
        raise ValueError(f"{level}: a page's transitions add up to more than 1")
    return rows


def _first_pages(table: dict[tuple[str, bool], float]) -> np.ndarray:
    p = np.zeros(STATES)
    for (name, logged_in), share in table.items():
        p[model.state(name, logged_in)] = share
    return p / p.sum()


TRANSITIONS = np.stack([_matrix("free"), _matrix("paid")])  # [level, state, next state]
CUMULATIVE = np.cumsum(TRANSITIONS, axis=2)
FIRST_LOGGED_IN = np.cumsum(_first_pages(model.FIRST_PAGE_LOGGED_IN))
FIRST_LOGGED_OUT = np.cumsum(_first_pages(model.FIRST_PAGE_LOGGED_OUT))


def expected_session_length(level: int) -> float:
    """Mean events per session for a user of this level (level changes inside ignored)."""
    start = (1 - model.LOGGED_OUT_SESSION_SHARE) * np.diff(FIRST_LOGGED_IN, prepend=0) + (
        model.LOGGED_OUT_SESSION_SHARE * np.diff(FIRST_LOGGED_OUT, prepend=0)
    )
    visits = np.linalg.solve(np.eye(STATES) - TRANSITIONS[level].T, start)
    return float(visits.sum())


SESSION_LENGTH = np.array([expected_session_length(FREE), expected_session_length(PAID)])


def rhythm(t_ms: float) -> float:
    """Relative session start rate at a moment: daily swing and quiet weekends (weekly mean 1)."""
    hours = (t_ms / 3_600_000) % 24
    daily = 1 - model.DAILY_SWING * math.cos(
        2 * math.pi * (hours - model.DAILY_TROUGH_HOUR_UTC) / 24
    )
    weekday = int((t_ms // DAY_MS + 3) % 7)  # 1970-01-01 was a Thursday; Monday = 0
    weekly_mean = (5 + 2 * model.WEEKEND_FACTOR) / 7
    return daily * (model.WEEKEND_FACTOR if weekday >= 5 else 1.0) / weekly_mean


@dataclass
class Events:
    """A batch of events as columns, not yet in time order."""

    ts: np.ndarray  # int64 epoch ms
    user: np.ndarray  # int64 index into the population
    session: np.ndarray  # int64 sessionId
    item: np.ndarray  # int64 itemInSession
    state: np.ndarray  # int64 index into model.PAGES
    level: np.ndarray  # int8 FREE / PAID
    song: np.ndarray  # int64 index into the catalogue, catalogue.size when not a play

    @classmethod
    def empty(cls) -> "Events":
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, z, z, np.zeros(0, dtype=np.int8), z)

    @classmethod
    def concat(cls, parts: list["Events"]) -> "Events":
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls.columns()))

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, index: np.ndarray) -> "Events":
        return Events(*(getattr(self, f)[index] for f in self.columns()))

    def in_time_order(self) -> "Events":
        """Sorted by ts; ties keep their (deterministic) order of creation."""
        return self.take(np.argsort(self.ts, kind="stable"))


class SessionSimulator:
    """Starts and plays out sessions window by window, carrying user state between windows."""

    def __init__(
        self,
        rng: np.random.Generator,
        population: Population,
        catalogue: Catalogue,
        events_per_day: int,
    ) -> None:
        self.rng = rng
        self.population = population
        self.catalogue = catalogue
        self.events_per_day = events_per_day
        self.next_session_id = 1
        # Drawn sessions of busy, unregistered or cancelled users are dropped; draw more to match.
        self.drawn, self.kept = 0, 0

    def _sessions_per_ms(self) -> float:
        """Session starts per ms that yield events_per_day, given today's share of paid users."""
        paid = float(self.population.activity[self.population.level == PAID].sum())
        paid_share = paid / self.population.size
        mean_length = (1 - paid_share) * SESSION_LENGTH[FREE] + paid_share * SESSION_LENGTH[PAID]
        return self.events_per_day / mean_length / DAY_MS

    def window(self, t0: int, t1: int) -> Events:
        """All events of the sessions that start in [t0, t1), including those after t1."""
        rng, people = self.rng, self.population
        kept_share = self.kept / self.drawn if self.drawn > 1000 else 1.0
        expected = self._sessions_per_ms() * rhythm((t0 + t1) / 2) * (t1 - t0)
        expected /= max(kept_share, 0.25)
        count = rng.poisson(expected)
        users = people.draw(rng, count)
        starts = np.sort(rng.integers(t0, t1, count))
        # A user is in one session at a time, only after registering and never after cancelling.
        free = (
            (people.busy_until_ms[users] <= starts)
            & (people.registration_ms[users] <= starts)
            & ~people.cancelled[users]
        )
        users, starts = users[free], starts[free]
        _, first = np.unique(users, return_index=True)
        first.sort()
        users, starts = users[first], starts[first]
        self.drawn += count
        self.kept += len(users)
        return self._play(users, starts)

    def _play(self, users: np.ndarray, starts: np.ndarray) -> Events:
        rng, people, songs = self.rng, self.population, self.catalogue
        n = len(users)
        session = np.arange(self.next_session_id, self.next_session_id + n, dtype=np.int64)
        self.next_session_id += n
        logged_out = rng.random(n) < model.LOGGED_OUT_SESSION_SHARE
        state = np.where(
            logged_out,
            np.searchsorted(FIRST_LOGGED_OUT, rng.random(n), side="right"),
            np.searchsorted(FIRST_LOGGED_IN, rng.random(n), side="right"),
        ).astype(np.int64)
        level = people.level[users].copy()
        t = starts.astype(np.int64)
        item = 0
        parts: list[Events] = []
        while len(users) and item < model.MAX_EVENTS_PER_SESSION:
            m = len(users)
            song = np.full(m, songs.size, dtype=np.int64)
            playing = state == NEXT_SONG
            song[playing] = songs.draw(rng, int(playing.sum()))
            parts.append(
                Events(t, users, session, np.full(m, item, dtype=np.int64), state, level, song)
            )
            following = (CUMULATIVE[level, state] <= rng.random(m)[:, None]).sum(axis=1)
            # What this page does: a song plays to its end, a redirect follows within a second.
            gap = np.maximum(rng.exponential(model.MEAN_PAGE_GAP_MS, m).astype(np.int64), 1_000)
            gap = np.where(REDIRECT[state], model.REDIRECT_GAP_MS, gap)
            gap[playing] = songs.length_ms[song[playing]]
            level = np.where(
                state == SUBMIT_UPGRADE, PAID, np.where(state == SUBMIT_DOWNGRADE, FREE, level)
            ).astype(np.int8)
            people.cancelled[users[state == CANCELLATION]] = True
            ended = following == END
            if ended.any():
                done = users[ended]
                people.busy_until_ms[done] = t[ended] + model.SESSION_GAP_MS
                people.level[done] = level[ended]
            keep = ~ended
            users, session, level = users[keep], session[keep], level[keep]
            state, t = following[keep], (t + gap)[keep]
            item += 1
        if len(users):  # sessions cut at the cap end here
            people.busy_until_ms[users] = t + model.SESSION_GAP_MS
            people.level[users] = level
        return Events.concat(parts)
