"""The generated logs behave like eventsim's: checked on the files, as a user of them would."""

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import pairwise

from sparkify_dagster_tests.generator.helpers import EVENTS_PER_DAY
from sparkify_generator import model


def _share(counter: Counter, key) -> float:
    return counter[key] / sum(counter.values())


def test_page_mix_is_mostly_songs_like_eventsim(generated_week):
    pages = Counter(e["page"] for e in generated_week.events)
    assert 0.74 <= _share(pages, "NextSong") <= 0.84
    assert 0.07 <= _share(pages, "Home") <= 0.16
    statuses = Counter(e["status"] for e in generated_week.events)
    assert 0.92 <= _share(statuses, 200) <= 0.98
    assert 0.02 <= _share(statuses, 307) <= 0.07
    assert 0 < _share(statuses, 404) < 0.005
    methods = {(e["page"], e["method"], e["status"]) for e in generated_week.events}
    assert ("NextSong", "PUT", 200) in methods
    assert ("Login", "PUT", 307) in methods
    assert ("Error", "GET", 404) in methods


def test_paid_users_are_a_minority_that_stays_stable(generated_week):
    shares = []
    for events in generated_week.events_by_day.values():
        latest = {e["userId"]: e["level"] for e in events if e["userId"]}
        shares.append(sum(level == "paid" for level in latest.values()) / len(latest))
    assert all(0.12 <= share <= 0.26 for share in shares), shares
    assert max(shares) - min(shares) < 0.06, shares


def test_events_per_user_per_day_match_the_model(generated_week):
    days = len(generated_week.events_by_day)
    events = len(generated_week.events)
    per_user = events / days / generated_week.summary.users
    assert abs(per_user - model.EVENTS_PER_USER_PER_DAY) / model.EVENTS_PER_USER_PER_DAY < 0.15
    assert abs(events / days - EVENTS_PER_DAY) / EVENTS_PER_DAY < 0.15
    # Paid sessions are long, free ones short (eventsim: ~30 and ~3 events).
    sessions = defaultdict(list)
    for e in generated_week.events:
        sessions[e["sessionId"]].append(e["level"])
    by_level = defaultdict(list)
    for levels in sessions.values():
        by_level[levels[0]].append(len(levels))
    assert 2 <= sum(by_level["free"]) / len(by_level["free"]) <= 6
    assert 20 <= sum(by_level["paid"]) / len(by_level["paid"]) <= 50


def test_weekends_and_nights_are_quieter(generated_week):
    per_day = {d: len(events) for d, events in generated_week.events_by_day.items()}
    weekdays = [n for d, n in per_day.items() if d.weekday() < 5]
    weekend = [n for d, n in per_day.items() if d.weekday() >= 5]
    assert max(weekend) < 0.75 * min(weekdays)
    hours = Counter(datetime.fromtimestamp(e["ts"] / 1000, UTC).hour for e in generated_week.events)
    # Trough at 09:00 UTC (03:00 US Central), peak twelve hours later.
    assert hours[9] < 0.5 * hours[21]


def test_users_keep_their_traits(generated_week):
    traits = defaultdict(set)
    for e in generated_week.events:
        if e["userId"]:
            traits[e["userId"]].add(
                (
                    e["firstName"],
                    e["lastName"],
                    e["gender"],
                    e["location"],
                    e["userAgent"],
                    e["registration"],
                )
            )
    assert len(traits) > 1000
    assert all(len(seen) == 1 for seen in traits.values())
    agents = Counter(next(iter(seen))[4] for seen in traits.values())
    assert len(agents) > 10
    assert sum(n for agent, n in agents.items() if "Macintosh" in agent) / len(traits) > 0.25


def test_levels_change_only_by_submitting_an_upgrade_or_downgrade(generated_week):
    last = {}
    changes = Counter()
    for e in generated_week.events:
        user = e["userId"] or None
        if user is None:
            continue
        if user in last and last[user]["level"] != e["level"]:
            changes[(last[user]["page"], e["level"])] += 1
        last[user] = e
    assert set(changes) <= {("Submit Upgrade", "paid"), ("Submit Downgrade", "free")}
    assert changes[("Submit Upgrade", "paid")] > 0
    assert changes[("Submit Downgrade", "free")] > 0


def test_signed_out_events_carry_no_user(generated_week):
    signed_out = [e for e in generated_week.events if e["auth"] == "Logged Out"]
    assert len(signed_out) > 100
    for e in signed_out:
        assert e["userId"] == ""
        assert e["page"] in {"Home", "About", "Help", "Login", "Error"}
        for field in ("firstName", "lastName", "gender", "location", "userAgent", "registration"):
            assert e[field] is None
    signed_in = [e for e in generated_week.events if e["auth"] != "Logged Out"]
    assert all(e["userId"].isdigit() for e in signed_in)


def test_sessions_are_numbered_walks_without_overlap(generated_week):
    sessions = defaultdict(list)
    for e in generated_week.events:
        sessions[e["sessionId"]].append(e)
    for events in sessions.values():
        first = events[0]["itemInSession"]
        assert [e["itemInSession"] for e in events] == list(range(first, first + len(events)))
        assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    # Only sessions already under way when the first day begins start past item 0.
    under_way = [s for s in sessions.values() if s[0]["itemInSession"] > 0]
    assert len(under_way) < 0.02 * len(sessions)
    assert all(s[0]["ts"] < s[0]["ts"] - s[0]["ts"] % 86_400_000 + 86_400_000 for s in under_way)
    signed_in = [(e["ts"], e["userId"]) for e in generated_week.events if e["userId"]]
    assert len(signed_in) == len(set(signed_in))
    cancelled = [e for e in generated_week.events if e["page"] == "Cancellation Confirmation"]
    assert cancelled and all(e["auth"] == "Cancelled" for e in cancelled)


def test_songs_play_back_to_back(generated_week):
    sessions = defaultdict(list)
    for e in generated_week.events:
        sessions[e["sessionId"]].append(e)
    followed = 0
    for events in sessions.values():
        for before, after in pairwise(events):
            if before["page"] == "NextSong":
                assert after["ts"] - before["ts"] == round(before["length"] * 1000)
                followed += 1
    assert followed > 10_000


def test_popular_songs_take_most_plays(generated_week):
    plays = Counter(
        (e["song"], e["artist"]) for e in generated_week.events if e["page"] == "NextSong"
    )
    ranked = sorted(plays.values(), reverse=True)
    top_percent = ranked[: max(1, len(ranked) // 100)]
    assert sum(top_percent) / sum(ranked) > 0.1
    assert len(ranked) > 1_000


def test_plays_name_generated_songs_and_some_unlisted_ones(generated_week):
    def repaired(text: str) -> str:
        for _ in range(2):
            text = text.encode("latin-1").decode("utf-8")
        return text

    listed = {}
    for path in (generated_week.root / "song_data").rglob("*.json"):
        song = json.loads(path.read_text(encoding="utf-8"))
        listed[(song["title"], song["artist_name"])] = song["duration"]
    matched = unmatched = 0
    for e in generated_week.events:
        if e["page"] != "NextSong":
            continue
        key = (repaired(e["song"]), repaired(e["artist"]))
        if key in listed:
            assert listed[key] == e["length"]
            matched += 1
        else:
            unmatched += 1
    assert matched == generated_week.summary.listens_of_listed_songs
    assert unmatched == generated_week.summary.listens - matched
    assert 0.02 < unmatched / (matched + unmatched) < 0.4


def test_files_hold_their_utc_day_in_time_order(generated_week):
    for day, events in generated_week.events_by_day.items():
        stamps = [e["ts"] for e in events]
        assert stamps == sorted(stamps)
        assert {datetime.fromtimestamp(t / 1000, UTC).date() for t in stamps} == {day}
