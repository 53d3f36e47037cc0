"""The service's users: fixed traits (name, location, browser) and the state that evolves.

Traits are small integer codes; the JSON fragments for the logs are built only for the users of
one time window, so memory stays proportional to the population, not to the events written.
"""

from dataclasses import dataclass

import numpy as np

from sparkify_generator import model
from sparkify_generator.text import log_json_string

DAY_MS = 86_400_000
FREE, PAID = 0, 1


def _weights(pairs: tuple[tuple[str, float], ...]) -> tuple[list[str], np.ndarray]:
    names = [name for name, _ in pairs]
    w = np.array([weight for _, weight in pairs])
    return names, w / w.sum()


def _zipf(count: int) -> np.ndarray:
    """Name frequencies: common names much more common."""
    w = 1.0 / np.arange(1, count + 1)
    return w / w.sum()


@dataclass
class Population:
    male: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    location: np.ndarray
    agent: np.ndarray
    registration_ms: np.ndarray
    # Relative activity: some users stream daily, most now and then (mean 1).
    activity: np.ndarray
    cumulative_activity: np.ndarray
    # Evolving state.
    level: np.ndarray
    busy_until_ms: np.ndarray
    cancelled: np.ndarray

    @property
    def size(self) -> int:
        return len(self.level)

    def draw(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Users for `count` new sessions, by activity."""
        return np.searchsorted(self.cumulative_activity, rng.random(count), side="right")


def make_population(rng: np.random.Generator, users: int, start_ms: int, days: int) -> Population:
    if users < 1:
        raise ValueError("at least one user is needed")
    male = rng.random(users) < model.MALE_SHARE
    first_name = np.where(
        male,
        rng.choice(len(model.MALE_FIRST_NAMES), users, p=_zipf(len(model.MALE_FIRST_NAMES))),
        rng.choice(len(model.FEMALE_FIRST_NAMES), users, p=_zipf(len(model.FEMALE_FIRST_NAMES))),
    )
    _, location_p = _weights(model.LOCATIONS)
    _, agent_p = _weights(model.USER_AGENTS)
    # Most users registered in the year before the start; a few join during the period.
    joins_later = rng.random(users) < model.NEW_USERS_PER_30_DAYS * days / 30
    registration = np.where(
        joins_later,
        start_ms + rng.integers(0, max(days, 1) * DAY_MS, users),
        start_ms - rng.integers(DAY_MS, 365 * DAY_MS, users),
    )
    activity = rng.lognormal(0.0, 0.8, users)
    activity /= activity.mean()
    cumulative = np.cumsum(activity / activity.sum())
    cumulative[-1] = 1.0
    return Population(
        male=male,
        first_name=first_name,
        last_name=rng.choice(len(model.LAST_NAMES), users, p=_zipf(len(model.LAST_NAMES))),
        location=rng.choice(len(location_p), users, p=location_p),
        agent=rng.choice(len(agent_p), users, p=agent_p),
        registration_ms=registration.astype(np.int64),
        activity=activity,
        cumulative_activity=cumulative,
        level=np.where(rng.random(users) < model.PAID_USER_SHARE, PAID, FREE).astype(np.int8),
        busy_until_ms=registration.astype(np.int64),
        cancelled=np.zeros(users, dtype=bool),
    )


# The user fields of an event, in the logs' (alphabetical) key order, split where event fields
# fall between them: firstName gender | itemInSession | lastName | length level | location |
# method page | registration | sessionId ... ts | userAgent userId.
LOGGED_OUT_FIELDS = (
    '"firstName":null,"gender":null,',
    '"lastName":null,',
    '"location":null,',
    '"registration":null,',
    '"userAgent":null,"userId":""',
)


class UserFieldTables:
    """Every trait value rendered once as its JSON fragment; users are then lookups."""

    def __init__(self, *, log_quirks: bool) -> None:
        def render(text: str) -> str:
            return log_json_string(text, double_encode=log_quirks)

        self.first_names = [
            [f'"firstName":{render(name)},"gender":"{gender}",' for name in names]
            for gender, names in (("F", model.FEMALE_FIRST_NAMES), ("M", model.MALE_FIRST_NAMES))
        ]
        self.last_names = [f'"lastName":{render(name)},' for name in model.LAST_NAMES]
        self.locations = [f'"location":{render(name)},' for name, _ in model.LOCATIONS]
        # The app wraps the user agent in literal double quotes; agents are plain ASCII.
        self.agents = [
            '"userAgent":' + log_json_string(f'"{a}"' if log_quirks else a, double_encode=False)
            for a, _ in model.USER_AGENTS
        ]

    def render(self, population: Population, users: np.ndarray) -> tuple[list[str], ...]:
        """The five JSON fragments of each given user, as the logs write them."""
        first = [
            self.first_names[male][name]
            for male, name in zip(
                population.male[users].tolist(),
                population.first_name[users].tolist(),
                strict=True,
            )
        ]
        last = [self.last_names[i] for i in population.last_name[users].tolist()]
        where = [self.locations[i] for i in population.location[users].tolist()]
        registered = [
            f'"registration":{ms}.0,' for ms in population.registration_ms[users].tolist()
        ]
        agent_id = [
            f'{self.agents[a]},"userId":"{u + 1}"'
            for a, u in zip(population.agent[users].tolist(), users.tolist(), strict=True)
        ]
        return first, last, where, registered, agent_id
