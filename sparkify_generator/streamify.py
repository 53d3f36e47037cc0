"""The generator's events as Streamify's Kafka messages (`sparkify generate --kafka`).

The events are the World's, the very ones a log lake of the same arguments holds; each becomes
an AppEvent and then messages by sparkify_dagster.streaming.streamify, the one statement of the
format. Produced in time order, keyed by user (Kafka's default murmur2 partitioning, as Java
producers do), timestamped with the event's time: the same seed gives the same messages.
"""

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sparkify_dagster.streaming.streamify import (
    LOGIN,
    PAGE_VIEW_EVENTS,
    TOPICS,
    AppEvent,
    Message,
    User,
    messages,
)
from sparkify_generator import model
from sparkify_generator.lake import World
from sparkify_generator.sessions import CANCELLATION, LOGGED_IN, Events

_LEVEL = ("free", "paid")


class StreamifyEncoder:
    """Events (time-ordered windows) → messages; remembers which sessions just logged in."""

    def __init__(self, world: World) -> None:
        self.population = world.population
        self.catalogue = world.catalogue
        self._users: dict[int, User] = {}
        self._after_login: set[int] = set()  # sessions whose latest event is a Login

    def _user(self, index: int) -> User:
        user = self._users.get(index)
        if user is None:
            people = self.population
            male = bool(people.male[index])
            names = model.MALE_FIRST_NAMES if male else model.FEMALE_FIRST_NAMES
            location = model.LOCATIONS[int(people.location[index])][0]
            zip_code, lat, lon = model.LOCATION_COORDINATES[location]
            user = User(
                user_id=index + 1,  # as the log lines number users
                first_name=names[int(people.first_name[index])],
                last_name=model.LAST_NAMES[int(people.last_name[index])],
                gender="M" if male else "F",
                registration_ms=int(people.registration_ms[index]),
                location=location,
                zip=zip_code,
                lat=lat,
                lon=lon,
                user_agent=model.USER_AGENTS[int(people.agent[index])][0],
            )
            self._users[index] = user
        return user

    def app_events(self, events: Events) -> Iterator[AppEvent]:
        songs = self.catalogue
        for ts, user, session, item, state, level, song in zip(
            events.ts.tolist(),
            events.user.tolist(),
            events.session.tolist(),
            events.item.tolist(),
            events.state.tolist(),
            events.level.tolist(),
            events.song.tolist(),
            strict=True,
        ):
            page = model.PAGES[state]
            signed_in = bool(LOGGED_IN[state])
            playing = song < songs.size
            yield AppEvent(
                ts_ms=ts,
                session_id=session,
                item_in_session=item,
                page=page.name,
                auth="Cancelled"
                if state == CANCELLATION
                else ("Logged In" if signed_in else "Logged Out"),
                method=page.method,
                status=page.status,
                level=_LEVEL[level],
                user=self._user(user) if signed_in else None,
                artist=songs.artist_names[song] if playing else None,
                song=songs.titles[song] if playing else None,
                length=songs.lengths_s[song] if playing else None,
            )

    def encode(self, events: Events) -> list[Message]:
        out: list[Message] = []
        for event in self.app_events(events):
            after_login = event.session_id in self._after_login
            out.extend(messages(event, after_login))
            if event.page == LOGIN:
                self._after_login.add(event.session_id)
            elif after_login:
                self._after_login.discard(event.session_id)
        return out


@dataclass
class Pacer:
    """When to send the next event: at most `rate` events a second, and/or not before its own
    time with `realtime` (events already past go at once, so a day started at midnight catches
    up to now, then runs live)."""

    rate: float | None = None
    realtime: bool = False
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    _next_slot: float | None = field(default=None, init=False)

    def wait_for(self, event_ts_ms: int) -> None:
        now = self.clock()
        due = event_ts_ms / 1000 if self.realtime else now
        if self.rate:
            slot = now if self._next_slot is None else max(self._next_slot, now)
            due = max(due, slot)
            self._next_slot = max(due, slot) + 1 / self.rate
        if due > now:
            self.sleep(due - now)


@dataclass
class ProduceSummary:
    events: int = 0
    messages_by_topic: dict[str, int] = field(default_factory=dict)


def produce_world(
    world: World,
    producer_config: dict[str, str],
    topics: dict[str, str] | None = None,
    partitions: int = 3,
    pacer: Pacer | None = None,
    on_window: Callable[[int], None] | None = None,
) -> ProduceSummary:
    """Produces every event of `world` to the Streamify topics (renamed by `topics`, a test's
    own names), creating missing topics with `partitions` partitions; waits for delivery."""
    from confluent_kafka import KafkaException, Producer

    from sparkify_dagster.streaming.kafka import QUIET, KafkaError, ensure_topics

    rename = topics or {}
    ensure_topics(producer_config, [rename.get(t, t) for t in TOPICS], partitions)
    failures: list[str] = []

    def delivered(error, _message) -> None:
        if error is not None and len(failures) < 5:
            failures.append(str(error))

    producer = Producer(
        {
            **QUIET,
            **producer_config,
            # Java's partitioner, so a key lands where any Kafka producer would put it.
            "partitioner": "murmur2_random",
            "linger.ms": 20,
            "compression.type": "lz4",
        }
    )
    encoder = StreamifyEncoder(world)
    summary = ProduceSummary()
    counts = summary.messages_by_topic
    try:
        for _day, windows in world.days_of_events():
            for events in windows:
                for message in _paced(encoder.encode(events), pacer):
                    topic = rename.get(message.topic, message.topic)
                    _produce(producer, topic, message)
                    counts[topic] = counts.get(topic, 0) + 1
                summary.events += len(events)
                producer.poll(0)
                if failures:
                    break
                if on_window:
                    on_window(len(events))
            if failures:
                break
        left = producer.flush(60)
    except KafkaException as error:
        raise KafkaError(f"producing: {error.args[0].str()}") from None
    if failures or left:
        cause = failures[0] if failures else f"{left} message(s) undelivered after 60 s"
        raise KafkaError(f"producing to {producer_config['bootstrap.servers']}: {cause}")
    return summary


def _paced(batch: list[Message], pacer: Pacer | None) -> Iterable[Message]:
    if pacer is None:
        yield from batch
        return
    for message in batch:
        # One wait per event: every event's messages start with its page view.
        if message.topic == PAGE_VIEW_EVENTS:
            pacer.wait_for(message.timestamp_ms)
        yield message


def _produce(producer, topic: str, message: Message) -> None:
    while True:
        try:
            producer.produce(topic, message.value, message.key, timestamp=message.timestamp_ms)
            return
        except BufferError:  # the local queue is full: let deliveries drain it
            producer.poll(0.1)
