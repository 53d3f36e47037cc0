"""The star schema's daily steps: `time`, `songplays` and the incrementally kept `users`."""

from datetime import date

from pyspark.sql import Observation, SparkSession

from sparkify_dagster import tables
from sparkify_dagster.quality import (
    ZONES_AGREE_CHECK,
    days_without_source,
    key_set_fingerprint,
    orphan_keys,
    primary_key_report,
)
from sparkify_dagster.schemas import USER_STATE
from sparkify_dagster.steps.report import (
    CheckMeasured,
    StepLog,
    StepReport,
    StepRequest,
    describe_days,
    describe_table,
    primary_key_outcome,
)
from sparkify_dagster.storage import MissingTableError, ParquetLake, files_per_day_for
from sparkify_dagster.transforms import star as T


def time_table(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    lake, days = ParquetLake(request.lake_root, session), request.dates
    df = T.build_time(lake.read_partitions(session, tables.LISTEN_EVENTS, days))
    plays = lake.total_rows(tables.LISTEN_EVENTS, days)
    lake.replace_partitions(
        df, tables.TIME, days, files_per_day=files_per_day_for(plays, len(days))
    )
    log.info(f"Wrote time ({lake.total_rows(tables.TIME, days):,} rows)")
    key = primary_key_report(lake.read_partitions(session, tables.TIME, days), "start_time")
    return StepReport(
        tables=describe_days(lake, tables.TIME, df.schema, days),
        checks=[primary_key_outcome("time", "start_time", key)],
    )


def users(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    """A day's events merged into the user state; no past day is re-read."""
    lake, days = ParquetLake(request.lake_root, session), request.dates
    update = T.user_state_from_events(lake.read_partitions(session, tables.LOG_EVENTS, days))
    if lake.exists(tables.USER_STATE):
        previous = lake.read_table(session, tables.USER_STATE)
    else:
        _check_state_can_start_afresh(lake, days, log)
        previous = session.createDataFrame([], USER_STATE)
    lake.replace_table(T.merge_user_state(previous, update), tables.USER_STATE)
    df = T.users_from_state(lake.read_table(session, tables.USER_STATE))
    lake.replace_table(df, tables.USERS)
    log.info(f"Wrote users ({lake.row_count(tables.USERS):,} rows)")
    key = primary_key_report(lake.read_table(session, tables.USERS), "user_id")
    return StepReport(
        tables=[describe_table(lake, tables.USERS, df.schema)],
        checks=[primary_key_outcome("users", "user_id", key)],
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


def songplays(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    lake, days = ParquetLake(request.lake_root, session), request.dates
    tolerance = float(request.settings.get("duration_tolerance_s", T.DEFAULT_DURATION_TOLERANCE_S))
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
    df = T.build_songplays(listens, lake.read_table(session, tables.SONG_MATCH_KEYS), tolerance)
    lake.replace_partitions(df, tables.SONGPLAYS, days, keep_pieces=True)
    expected_rows, expected_xor = expected.get["rows"], expected.get["xor_hash"]
    written = lake.read_partitions(session, tables.SONGPLAYS, days)
    actual = primary_key_report(written, "songplay_id", count_non_null=["song_id"])
    matched = actual.non_null["song_id"]
    log.info(f"Wrote songplays ({actual.rows:,} rows, {matched:,} matched to a song)")
    orphans = orphan_keys(written, lake.read_table(session, tables.USERS), "user_id")
    checks = [
        primary_key_outcome("songplays", "songplay_id", actual),
        CheckMeasured(
            asset="songplays",
            check="one_songplay_per_listen_event",
            passed=actual.ok and (actual.rows, actual.xor_hash) == (expected_rows, expected_xor),
            metadata={
                "listen_events": expected_rows,
                "songplays": actual.rows,
                "same_id_set": expected_xor == actual.xor_hash,
                "matched_songplays": matched,
            },
        ),
        CheckMeasured(
            asset="songplays",
            check="user_ids_in_users",
            passed=not orphans,
            metadata={"orphan_user_ids": sorted(orphans)[:100]},
        ),
        _zones_agree(lake),
    ]
    return StepReport(tables=describe_days(lake, tables.SONGPLAYS, df.schema, days), checks=checks)


def _zones_agree(lake: ParquetLake) -> CheckMeasured:
    """Every day of a derived table still has its source day, across the whole lake.

    A lost or deleted partition (clean/log_events/date=D removed by hand, a half-restored
    backup) otherwise goes unnoticed: later runs of other days succeed while D's plays remain.
    Directory listings only, no Spark job.
    """
    daily = [t for t in tables.ALL_TABLES if t.daily]
    gaps = days_without_source({t: lake.days(t) for t in daily})
    sources = {t.name: t.derived_from.name for t in daily if t.derived_from is not None}
    return CheckMeasured(
        asset="songplays",
        check=ZONES_AGREE_CHECK,
        passed=not gaps,
        metadata={
            "days_without_source": gaps,
            "derived_from": sources,
            "fix": "rerun the listed days (their log files are read again)" if gaps else "",
        },
    )
