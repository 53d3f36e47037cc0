"""The generator's events as Streamify messages: the same events as its log files."""

import json
from datetime import date

from sparkify_dagster.streaming.streamify import AUTH_EVENTS, LISTEN_EVENTS, PAGE_VIEW_EVENTS
from sparkify_generator import generate_lake, open_sink
from sparkify_generator.lake import make_world
from sparkify_generator.streamify import Pacer, StreamifyEncoder

ARGS = dict(start=date(2018, 11, 5), days=1, events_per_day=2_000, songs=100, seed=5)


def _messages(**overrides):
    world = make_world(**{**ARGS, **overrides})
    encoder = StreamifyEncoder(world)
    return [
        m for _day, windows in world.days_of_events() for w in windows for m in encoder.encode(w)
    ]


def test_the_same_seed_gives_the_same_messages_and_another_seed_others():
    first = _messages()
    assert first == _messages()
    assert first != _messages(seed=6)


def test_page_views_carry_exactly_the_events_of_the_log_file_of_the_same_seed(tmp_path):
    generate_lake(open_sink(str(tmp_path)), **ARGS, log_quirks=False, background_writer=False)
    (log_file,) = (tmp_path / "log_data").rglob("*-events.json")
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    views = [
        json.loads(m.value) for m in _messages(log_quirks=False) if m.topic == PAGE_VIEW_EVENTS
    ]

    def from_line(e: dict) -> tuple:
        user = int(e["userId"]) if e["userId"] else None
        return (e["ts"], e["sessionId"], e["itemInSession"], e["page"], e["auth"], e["level"],
                user, e["location"], e["artist"], e["song"], e["length"])  # fmt: skip

    def from_view(v: dict) -> tuple:
        location = f"{v['city']}, {v['state']}" if "city" in v else None
        return (v["ts"], v["sessionId"], v["itemInSession"], v["page"], v["auth"], v["level"],
                v.get("userId"), location, v.get("artist"), v.get("song"), v.get("duration"))  # fmt: skip

    assert len(lines) > 500
    assert [from_view(v) for v in views] == [from_line(e) for e in lines]


def test_plays_are_listens_and_each_login_is_followed_by_one_auth_event():
    sent = _messages()
    views = [json.loads(m.value) for m in sent if m.topic == PAGE_VIEW_EVENTS]
    listens = [m for m in sent if m.topic == LISTEN_EVENTS]
    auths = [json.loads(m.value) for m in sent if m.topic == AUTH_EVENTS]
    assert len(listens) == sum(v["page"] == "NextSong" for v in views)
    logins = {(v["sessionId"], v["itemInSession"]) for v in views if v["page"] == "Login"}
    assert logins and {(a["sessionId"], a["itemInSession"] - 1) for a in auths} == logins


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_a_rate_spaces_events_evenly():
    clock = FakeClock(1000.0)
    pacer = Pacer(rate=4, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        pacer.wait_for(0)
    assert clock.slept == [0.25, 0.25, 0.25, 0.25]


def test_realtime_sends_past_events_at_once_and_waits_for_future_ones():
    clock = FakeClock(1000.0)
    pacer = Pacer(realtime=True, clock=clock, sleep=clock.sleep)
    for ts_ms in (990_000, 999_999, 1_000_500, 1_002_000):
        pacer.wait_for(ts_ms)
    assert clock.slept == [0.5, 1.5]


def test_cli_sends_every_event_to_the_topics_and_song_files_to_out(kafka_broker, tmp_path):
    """The one test writing Streamify's own topic names on the shared broker."""
    from click.testing import CliRunner

    from sparkify_dagster.cli import main
    from sparkify_dagster.streaming.kafka import end_offsets

    result = CliRunner().invoke(
        main,
        ["generate", "--kafka", kafka_broker, "--out", str(tmp_path), "--days", "1",
         "--events-per-day", "1000", "--songs", "50", "--start", "2018-11-05",
         "--partitions", "2", "--seed", "5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sent = {
        topic: sum(r.end for r in end_offsets({"bootstrap.servers": kafka_broker}, topic).values())
        for topic in (PAGE_VIEW_EVENTS, LISTEN_EVENTS, AUTH_EVENTS)
    }
    expected = {m.topic: 0 for m in _messages(events_per_day=1000, songs=50)}
    for m in _messages(events_per_day=1000, songs=50):
        expected[m.topic] += 1
    assert sent == expected
    assert f"Sent {expected[PAGE_VIEW_EVENTS]:,} events" in result.output
    assert (tmp_path / "song_data").is_dir() and not (tmp_path / "log_data").exists()


def test_cli_with_refused_credentials_fails_in_one_line_naming_them(authenticating_broker):
    from click.testing import CliRunner

    from sparkify_dagster.cli import main
    from sparkify_dagster_tests.streaming.helpers import UNKNOWN_USER

    result = CliRunner().invoke(
        main,
        ["generate", "--kafka", authenticating_broker, "--days", "1", "--events-per-day", "100"],
        env=UNKNOWN_USER,
    )
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(
        f"Error: Kafka at {authenticating_broker} refused the credentials (SCRAM-SHA-512, alice)"
    )
