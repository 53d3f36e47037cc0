"""The stream's micro-batch as a step: every new message of the topics into the raw zone, once
(streaming/ingest.py), reported per topic: messages read, lag per partition, and the days that
received messages. For page_view_events, the topic the clean step reads, those are the days its
new messages belong to as the clean step assigns them (each event's day), so a late message
stamped by Kafka after midnight rebuilds its event's day; for the other topics, their Kafka days.

Days are never hidden by a crash: a run killed after Spark committed a batch but before Dagster
recorded it leaves messages no report named. The asset passes the offsets its last recorded
materializations reached (`recorded_offsets`); messages between those and where this run's
checkpoint started are read back from the raw zone and their days reported too.
"""

import json
import re
from dataclasses import dataclass
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from sparkify_dagster.settings import Settings, SettingsError, kafka_source_servers
from sparkify_dagster.steps.report import StepLog, StepReport, StepRequest, TableWritten
from sparkify_dagster.steps.step import Step, setting
from sparkify_dagster.storage import ParquetLake
from sparkify_dagster.streaming import streamify
from sparkify_dagster.streaming.ingest import SKIPPED_OFFSETS_ARE, ingest_raw, raw_path
from sparkify_dagster.streaming.kafka import TAIL_IDLE_S
from sparkify_dagster.tables import PARTITION_COLUMN, raw_table
from sparkify_dagster.transforms.stream_events import message_days

# What a topic's report carries beyond its rows (TableWritten.extra), read by the asset.
DAYS_WITH_MESSAGES = "days_with_messages"
END_OFFSETS = "end_offsets"
LAG = "lag"
MESSAGES_READ = "messages_read"
OFFSETS_SKIPPED = "offsets_skipped"

_DAY_DIRECTORY = re.compile(rf"/{PARTITION_COLUMN}=(\d{{4}}-\d{{2}}-\d{{2}})/")


@dataclass(frozen=True)
class StreamIngestSettings:
    topics: str = setting(
        ",".join(streamify.TOPICS), "The topics to land in the raw zone, comma-separated."
    )
    page_view_topic: str = setting(
        "",
        "The topic of Streamify's page_view_events, as configured (the one the clean step "
        "reads); empty: page_view_events.",
    )
    idle_s: float = setting(
        TAIL_IDLE_S, "How long a partition's tail is waited for once it seems read."
    )
    fail_on_data_loss: bool = setting(
        True,
        "Fail when messages not yet read were deleted by the topic's retention (the run names "
        "the offsets). Off: skip them and land what the topic still holds; the run counts and "
        "logs the skipped offsets. Spark's Kafka source's option of that name.",
    )
    kafka_security: str = setting(
        "",
        "JSON {variable: value}: the orchestrator's Kafka security settings but the password "
        "(Settings.kafka_security_without_password), laid over those where the step runs; the "
        "password is set there, or read there from the secret they name.",
    )
    recorded_offsets: str = setting(
        "",
        "JSON {topic: {partition: next offset}}: how far the recorded micro-batches reached. "
        "Messages committed past it by a run that was not recorded (a crash) have their days "
        "reported by this run; empty: nothing was recorded.",
    )


def _files(lake: ParquetLake, topic: str) -> set[str]:
    root = raw_path(lake.root, topic)
    return set(lake.files.files(root, ".parquet")) if lake.files.is_dir(root) else set()


def _kafka_days(files: set[str]) -> set[str]:
    return {m.group(1) for f in files if (m := _DAY_DIRECTORY.search(f))}


def _days(raw: DataFrame, event_days: bool) -> set[str]:
    """The days of raw-zone messages: each event's day as the clean step assigns it, or with
    `event_days` off their Kafka day."""
    days = message_days(raw) if event_days else raw.select(PARTITION_COLUMN).distinct()
    return {row[PARTITION_COLUMN].isoformat() for row in days.collect()}


def _event_days(session: SparkSession, lake: ParquetLake, topic: str, files: set[str]) -> set[str]:
    """The days a topic's new files' messages belong to, as the clean step assigns them. The
    new files are the ones this run committed (and, after a crash, maybe a dead attempt's: at
    worst a day rebuilt for nothing)."""
    if not files:
        return set()
    raw = session.read.option("basePath", raw_path(lake.root, topic)).parquet(*sorted(files))
    return _days(raw, event_days=True)


def unrecorded_ranges(
    recorded: dict[int, int], started: dict[int, int]
) -> dict[int, tuple[int, int]]:
    """Per partition, the offsets [recorded, started) that an earlier run committed and no
    recorded run reported (a partition never recorded starts at 0)."""
    return {
        p: (recorded.get(p, 0), start)
        for p, start in sorted(started.items())
        if start > recorded.get(p, 0)
    }


def _unrecorded_days(
    session: SparkSession,
    lake: ParquetLake,
    topic: str,
    ranges: dict[int, tuple[int, int]],
    event_days: bool,
) -> set[str]:
    """The days of the messages in `ranges`, read back through the raw zone's manifest (only
    committed files): each event's day, or with `event_days` off, the Kafka day."""
    offset = F.col("offset")
    wanted = reduce(
        lambda a, b: a | b,
        [
            (F.col("partition") == p) & (offset >= start) & (offset < end)
            for p, (start, end) in ranges.items()
        ],
    )
    return _days(session.read.parquet(raw_path(lake.root, topic)).where(wanted), event_days)


def _recorded(settings: StreamIngestSettings) -> dict[str, dict[int, int]]:
    value = json.loads(settings.recorded_offsets) if settings.recorded_offsets else {}
    return {t: {int(p): int(o) for p, o in offsets.items()} for t, offsets in value.items()}


def _stream_ingest(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    settings: StreamIngestSettings = request.settings
    servers = kafka_source_servers(request.source_root)
    if servers is None:
        raise SettingsError(f"the source {request.source_root!r} is not kafka://HOST:PORT")
    # The password never travels in a request (it is logged, and kept in S3 on EMR): it is this
    # machine's setting, or read here from the secret the settings name.
    shared = json.loads(settings.kafka_security) if settings.kafka_security else {}
    config = Settings.from_env(overrides=shared).kafka_client_config(servers)
    topics = [t.strip() for t in settings.topics.split(",") if t.strip()]
    lake = ParquetLake(request.lake_root, session)
    before = {topic: _files(lake, topic) for topic in topics}
    log.info(f"Ingesting {', '.join(topics)} from {servers}")
    reports = ingest_raw(
        session,
        lake.root,
        topics,
        config,
        idle_s=settings.idle_s,
        fail_on_data_loss=settings.fail_on_data_loss,
    )
    page_views = settings.page_view_topic or streamify.PAGE_VIEW_EVENTS
    recorded = _recorded(settings)
    written = []
    for report in reports:
        event_days = report.topic == page_views
        new_files = _files(lake, report.topic) - before[report.topic]
        if event_days:
            found = _event_days(session, lake, report.topic, new_files)
        else:
            found = _kafka_days(new_files)
        unrecorded = unrecorded_ranges(recorded.get(report.topic, {}), report.start_offsets)
        if unrecorded:
            earlier = _unrecorded_days(session, lake, report.topic, unrecorded, event_days)
            log.warning(
                f"{report.topic}: {sum(e - s for s, e in unrecorded.values()):,} message(s) "
                f"committed by an earlier run that was not recorded (a crash?); their days: "
                f"{', '.join(sorted(earlier)) or 'none'}"
            )
            found |= earlier
        days = sorted(found)
        table = raw_table(report.topic)
        if report.offsets_skipped:
            log.warning(
                f"{report.topic}: {report.offsets_skipped:,} offset(s) of the batches held no "
                f"message: {SKIPPED_OFFSETS_ARE}"
            )
        log.info(
            f"{report.topic}: {report.messages:,} message(s) in {report.batches} batch(es)"
            f"{', days ' + ', '.join(days) if days else ''}; lag {report.total_lag:,}"
        )
        written.append(
            TableWritten(
                asset=table.name,
                partition=None,
                row_count=report.messages,
                path=raw_path(lake.root, report.topic),
                columns=[(f.name, f.dataType.simpleString()) for f in table.columns.fields],
                preview="",
                extra={
                    MESSAGES_READ: report.messages,
                    OFFSETS_SKIPPED: report.offsets_skipped,
                    DAYS_WITH_MESSAGES: days,
                    LAG: {str(p): n for p, n in report.lag.items()},
                    END_OFFSETS: {str(p): o for p, o in report.end_offsets.items()},
                },
            )
        )
    return StepReport(tables=written, checks=[])


STREAM_INGEST_STEP = Step("stream_ingest", _stream_ingest, settings=StreamIngestSettings)
