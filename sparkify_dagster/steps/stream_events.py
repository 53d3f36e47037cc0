"""The clean-zone step of a lake fed by Kafka: each UTC day's messages in the raw zone → the same
clean tables a log file gives, the messages' own extra fields, and a quarantine.

The day's events come from the page_view_events topic alone: Streamify sends every page there
with all its fields, and listen_events and auth_events repeat some of them (a play, the event
after a Login). So log_events is built from page views as from log lines, and the topic tables
are cut from it as the log-file step cuts them: one source of truth per event, whichever way it
arrived; the other two topics stay in the raw zone.
"""

from dataclasses import dataclass

from pyspark.sql import DataFrame, Observation, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, StructField, StructType

from sparkify_dagster import tables
from sparkify_dagster.steps.events import quarantine_share, reconciliation
from sparkify_dagster.steps.report import (
    StepLog,
    StepReport,
    StepRequest,
    describe_table,
)
from sparkify_dagster.steps.step import Check, Step, setting
from sparkify_dagster.storage import ParquetLake
from sparkify_dagster.streaming import streamify
from sparkify_dagster.streaming.ingest import raw_path
from sparkify_dagster.tables import PARTITION_COLUMN, raw_table
from sparkify_dagster.transforms import events as T
from sparkify_dagster.transforms import stream_events as S


@dataclass(frozen=True)
class CleanStreamSettings:
    page_view_topic: str = setting(
        "",
        "The Kafka topic of Streamify's page_view_events (every event), as ingested; empty: "
        "page_view_events (the asset: its configured name, Settings.kafka_topics).",
    )
    quarantine_warn_share: float = setting(
        0.01, "Warn when a day's share of quarantined messages is above this (0.01 = 1%)."
    )


EVERY_MESSAGE_ACCOUNTED_FOR = Check(
    "every_message_accounted_for",
    tables.LOG_EVENTS,
    "Page-view messages of the day = clean events + quarantined messages, for every day.",
)
MESSAGE_QUARANTINE_SHARE_BELOW_THRESHOLD = Check(
    "message_quarantine_share_below_threshold",
    tables.LOG_EVENTS,
    "Warns when a day's quarantined share of messages is above the configured threshold.",
    blocking=False,
)

STREAM_CLEAN_OUTPUTS = (
    tables.LOG_EVENTS,
    tables.LISTEN_EVENTS,
    tables.PAGE_VIEW_EVENTS,
    tables.AUTH_EVENTS,
    tables.EVENT_LOCATIONS,
    tables.QUARANTINED_MESSAGES,
)


def read_raw_days(session: SparkSession, lake: ParquetLake, topic: str, days) -> DataFrame:
    """The raw zone's messages of a topic on `days` (Kafka days), through the file sink's
    manifest; none when the topic never landed anything."""
    root = raw_path(lake.root, topic)
    if not lake.files.is_dir(root):
        columns = raw_table(topic).columns.fields
        schema = StructType([*columns, StructField(PARTITION_COLUMN, DateType())])
        return session.createDataFrame([], schema)
    return session.read.parquet(root).filter(F.col(PARTITION_COLUMN).isin(list(days)))


def _clean_stream_events(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    settings: CleanStreamSettings = request.settings
    lake = ParquetLake(request.lake_root, session)
    days = request.dates
    topic = settings.page_view_topic or streamify.PAGE_VIEW_EVENTS
    raw = read_raw_days(session, lake, topic, S.kafka_days(days))
    log.info(f"Cleaning {topic}'s messages of {days[0]} … {days[-1]} from the raw zone")
    # A day's messages are few (a stream, cleaned every few minutes): parsed once, kept in
    # memory for the three tables written from the parse.
    counted = Observation("messages")
    classified = (
        S.classify_messages(raw)
        .filter(F.col(PARTITION_COLUMN).isin(days))
        .observe(counted, *T.line_counts(days))
        .persist()
    )
    try:
        lake.replace_partitions(T.clean_events(classified), tables.LOG_EVENTS, days)
        messages_in, _rejected = T.line_counts_by_day(counted.get, days)
        lake.replace_partitions(S.event_locations(classified), tables.EVENT_LOCATIONS, days)
        lake.replace_partitions(
            S.quarantined_messages(classified), tables.QUARANTINED_MESSAGES, days
        )
    finally:
        classified.unpersist()
    written = lake.read_partitions(session, tables.LOG_EVENTS, days)
    for table, df in (
        (tables.LISTEN_EVENTS, T.listen_events(written)),
        (tables.PAGE_VIEW_EVENTS, T.page_view_events(written)),
        (tables.AUTH_EVENTS, T.auth_events(written)),
    ):
        lake.replace_partitions(df, table, days)
    for table in STREAM_CLEAN_OUTPUTS:
        log.info(f"Wrote {table.name} ({lake.total_rows(table, days):,} rows)")

    per_day = {
        day: {
            "read": messages_in.get(day, 0),
            "clean": lake.row_count(tables.LOG_EVENTS, day),
            "quarantined": lake.row_count(tables.QUARANTINED_MESSAGES, day),
        }
        for day in days
    }
    described = []
    for table in STREAM_CLEAN_OUTPUTS:
        for day in days:
            extra = {}
            if table is tables.LOG_EVENTS:
                extra = {
                    "messages_read": per_day[day]["read"],
                    "quarantined_messages": per_day[day]["quarantined"],
                }
            described.append(describe_table(lake, table, day, extra=extra))
    checks = [
        reconciliation(EVERY_MESSAGE_ACCOUNTED_FOR, per_day, "message"),
        quarantine_share(
            MESSAGE_QUARANTINE_SHARE_BELOW_THRESHOLD,
            per_day,
            "message",
            settings.quarantine_warn_share,
            session,
            lake,
            tables.QUARANTINED_MESSAGES,
            days,
        ),
    ]
    return StepReport(tables=described, checks=checks)


CLEAN_STREAM_EVENTS_STEP = Step(
    "clean_stream_events",
    _clean_stream_events,
    settings=CleanStreamSettings,
    checks=(EVERY_MESSAGE_ACCOUNTED_FOR, MESSAGE_QUARANTINE_SHARE_BELOW_THRESHOLD),
)
