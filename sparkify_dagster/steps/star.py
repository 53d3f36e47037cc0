"""The star schema's daily steps: `time`, `songplays` and the incrementally kept `users`."""

from dataclasses import dataclass
from datetime import date

from pyspark.sql import Observation, SparkSession

from sparkify_dagster import tables
from sparkify_dagster.quality import (
    days_without_source,
    key_set_fingerprint,
    orphan_keys,
    primary_key_report,
)
from sparkify_dagster.steps.report import (
    CheckMeasured,
    StepLog,
    StepReport,
    StepRequest,
    describe_days,
    describe_table,
)
from sparkify_dagster.steps.step import Check, PrimaryKeyCheck, Step, setting
from sparkify_dagster.storage import MissingTableError, ParquetLake, files_per_day_for
from sparkify_dagster.transforms import star as T

START_TIME_KEY = PrimaryKeyCheck.of(tables.TIME, "start_time")
USER_ID_KEY = PrimaryKeyCheck.of(tables.USERS, "user_id")
SONGPLAY_ID_KEY = PrimaryKeyCheck.of(tables.SONGPLAYS, "songplay_id")
ONE_SONGPLAY_PER_LISTEN_EVENT = Check(
    "one_songplay_per_listen_event",
    tables.SONGPLAYS,
    "Every NextSong event of the partition is in songplays exactly once.",
)
USER_IDS_IN_USERS = Check(
    "user_ids_in_users", tables.SONGPLAYS, "Every songplays.user_id is a row of users."
)
# Declared on songplays (the daily job's last step), measured over the whole lake.
ZONES_AGREE = Check(
    "every_derived_day_has_its_source",
    tables.SONGPLAYS,
    "Across the whole lake, every day of a derived table (topic tables, time, songplays) "
    "still has its source day (log_events, listen_events).",
)


@dataclass(frozen=True)
class SongplaysSettings:
    duration_tolerance_s: float = setting(
        T.DEFAULT_DURATION_TOLERANCE_S,
        "How far (seconds) a play's length may be from a song's duration to match.",
    )


def _time(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    lake, days = ParquetLake(request.lake_root, session), request.dates
    df = T.build_time(lake.read_partitions(session, tables.LISTEN_EVENTS, days))
    plays = lake.total_rows(tables.LISTEN_EVENTS, days)
    lake.replace_partitions(
        df, tables.TIME, days, files_per_day=files_per_day_for(plays, len(days))
    )
    log.info(f"Wrote time ({lake.total_rows(tables.TIME, days):,} rows)")
    key = primary_key_report(lake.read_partitions(session, tables.TIME, days), START_TIME_KEY.key)
    return StepReport(
        tables=describe_days(lake, tables.TIME, days), checks=[START_TIME_KEY.measured_from(key)]
    )


def _users(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    """A day's events merged into the user state; no past day is re-read."""
    lake, days = ParquetLake(request.lake_root, session), request.dates
    update = T.user_state_from_events(lake.read_partitions(session, tables.LOG_EVENTS, days))
    if lake.exists(tables.USER_STATE):
        previous = lake.read_table(session, tables.USER_STATE)
    else:
        _check_state_can_start_afresh(lake, days, log)
        previous = session.createDataFrame([], tables.USER_STATE.columns)
    lake.replace_table(T.merge_user_state(previous, update), tables.USER_STATE)
    df = T.users_from_state(lake.read_table(session, tables.USER_STATE))
    lake.replace_table(df, tables.USERS)
    log.info(f"Wrote users ({lake.row_count(tables.USERS):,} rows)")
    key = primary_key_report(lake.read_table(session, tables.USERS), USER_ID_KEY.key)
    return StepReport(
        tables=[describe_table(lake, tables.USERS)], checks=[USER_ID_KEY.measured_from(key)]
    )


def _check_state_can_start_afresh(lake: ParquetLake, days: list[date], log: StepLog) -> None:
    """No state is "no users yet", unless the users table shows that a state was kept before.

    Then it was lost (deleted, or a swap of an older version died midway), and merging this
    run's days alone would drop every user of the lake's other days, with every check passing.
    (Other days in log_events alone prove nothing: another run on the lake may have cleaned
    them and not yet reached its users step.)
    """
    if not lake.exists(tables.USERS):
        return
    on_disk = lake.days(tables.LOG_EVENTS)
    others = sorted(on_disk - set(days))
    if others:
        whole = sorted(on_disk | set(days))
        raise MissingTableError(
            f"users: the user state ({lake.path(tables.USER_STATE)}) is missing, but log_events "
            f"has {len(others)} day(s) outside this run ({others[0]} … {others[-1]}) whose users "
            f"it would lose: rebuild it with one run over the whole range of days, {whole[0]} … "
            f"{whole[-1]} (sparkify run --start {whole[0]} --end {whole[-1]})"
        )
    log.warning(
        f"users: no user state ({lake.path(tables.USER_STATE)}); rebuilding it from this "
        f"run's {len(days)} day(s), which are every day of log_events in the lake"
    )


def _songplays(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    lake, days = ParquetLake(request.lake_root, session), request.dates
    settings: SongplaysSettings = request.settings
    # The ids the plays should get are fingerprinted as the write reads them: no pass of their
    # own. No shuffle either: listen_events files are read in pieces, each sorted and written.
    expected = Observation("expected_songplay_ids")
    listens = lake.read_partitions(session, tables.LISTEN_EVENTS, days).observe(
        expected,
        *key_set_fingerprint(T.songplay_id("ts", "user_id", "session_id", "item_in_session")),
    )
    if not lake.exists(tables.SONG_MATCH_KEYS):
        raise MissingTableError(
            f"{lake.path(tables.SONG_MATCH_KEYS)} is missing: the song catalogue writes it with "
            "`songs`; materialize `songs` first (job song_catalogue_refresh)"
        )
    df = T.build_songplays(
        listens, lake.read_table(session, tables.SONG_MATCH_KEYS), settings.duration_tolerance_s
    )
    lake.replace_partitions(df, tables.SONGPLAYS, days, keep_pieces=True)
    expected_rows, expected_xor = expected.get["rows"], expected.get["xor_hash"]
    written = lake.read_partitions(session, tables.SONGPLAYS, days)
    actual = primary_key_report(written, SONGPLAY_ID_KEY.key, count_non_null=["song_id"])
    matched = actual.non_null["song_id"]
    log.info(f"Wrote songplays ({actual.rows:,} rows, {matched:,} matched to a song)")
    orphans = orphan_keys(written, lake.read_table(session, tables.USERS), "user_id")
    checks = [
        SONGPLAY_ID_KEY.measured_from(actual),
        ONE_SONGPLAY_PER_LISTEN_EVENT.measured(
            passed=actual.ok and (actual.rows, actual.xor_hash) == (expected_rows, expected_xor),
            metadata={
                "listen_events": expected_rows,
                "songplays": actual.rows,
                "same_id_set": expected_xor == actual.xor_hash,
                "matched_songplays": matched,
            },
        ),
        USER_IDS_IN_USERS.measured(
            passed=not orphans,
            metadata={"orphan_user_ids": sorted(orphans)[:100]},
        ),
        _zones_agree(lake),
    ]
    return StepReport(tables=describe_days(lake, tables.SONGPLAYS, days), checks=checks)


def _zones_agree(lake: ParquetLake) -> CheckMeasured:
    """Every day of a derived table still has its source day, across the whole lake.

    A lost or deleted partition (clean/log_events/date=D removed by hand, a half-restored
    backup) otherwise goes unnoticed: later runs of other days succeed while D's plays remain.
    Directory listings only, no Spark job.
    """
    daily = [t for t in tables.ALL_TABLES if t.daily]
    gaps = days_without_source({t: lake.days(t) for t in daily})
    sources = {t.name: t.derived_from.name for t in daily if t.derived_from is not None}
    return ZONES_AGREE.measured(
        passed=not gaps,
        metadata={
            "days_without_source": gaps,
            "derived_from": sources,
            "fix": "rerun the listed days (their log files are read again)" if gaps else "",
        },
    )


TIME_STEP = Step(tables.TIME.name, _time, checks=(START_TIME_KEY,))
USERS_STEP = Step(tables.USERS.name, _users, checks=(USER_ID_KEY,))
SONGPLAYS_STEP = Step(
    tables.SONGPLAYS.name,
    _songplays,
    settings=SongplaysSettings,
    checks=(SONGPLAY_ID_KEY, ONE_SONGPLAY_PER_LISTEN_EVENT, USER_IDS_IN_USERS, ZONES_AGREE),
)
