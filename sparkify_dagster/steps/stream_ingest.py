"""The stream's micro-batch as a step: every new message of the topics into the raw zone, once
(streaming/ingest.py), reported per topic: messages read, lag per partition, and the days that
received messages. For page_view_events, the topic the clean step reads, those are the days its
new messages belong to as the clean step assigns them (each event's day), so a late message
stamped by Kafka after midnight rebuilds its event's day; for the other topics, their Kafka days.
"""

import re
from dataclasses import dataclass

from pyspark.sql import SparkSession

from sparkify_dagster.settings import Settings, SettingsError, kafka_source_servers
from sparkify_dagster.steps.report import StepLog, StepReport, StepRequest, TableWritten
from sparkify_dagster.steps.step import Step, setting
from sparkify_dagster.storage import ParquetLake
from sparkify_dagster.streaming import streamify
from sparkify_dagster.streaming.ingest import ingest_raw, raw_path
from sparkify_dagster.streaming.kafka import TAIL_IDLE_S
from sparkify_dagster.tables import PARTITION_COLUMN, raw_table
from sparkify_dagster.transforms.stream_events import message_days

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


def _files(lake: ParquetLake, topic: str) -> set[str]:
    root = raw_path(lake.root, topic)
    return set(lake.files.files(root, ".parquet")) if lake.files.is_dir(root) else set()


def _kafka_days(files: set[str]) -> list[str]:
    return sorted({m.group(1) for f in files if (m := _DAY_DIRECTORY.search(f))})


def _event_days(session: SparkSession, lake: ParquetLake, topic: str, files: set[str]) -> list[str]:
    """The days a topic's new files' messages belong to, as the clean step assigns them. The
    new files are the ones this run committed (and, after a crash, maybe a dead attempt's: at
    worst a day rebuilt for nothing)."""
    if not files:
        return []
    raw = session.read.option("basePath", raw_path(lake.root, topic)).parquet(*sorted(files))
    return sorted(row[PARTITION_COLUMN].isoformat() for row in message_days(raw).collect())


def _stream_ingest(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    settings: StreamIngestSettings = request.settings
    servers = kafka_source_servers(request.source_root)
    if servers is None:
        raise SettingsError(f"the source {request.source_root!r} is not kafka://HOST:PORT")
    # The security settings (and the SASL password) come from this machine's settings, never
    # from the request: a request is logged and may travel to a cluster.
    config = Settings.from_env().kafka_client_config(servers)
    topics = [t.strip() for t in settings.topics.split(",") if t.strip()]
    lake = ParquetLake(request.lake_root, session)
    before = {topic: _files(lake, topic) for topic in topics}
    log.info(f"Ingesting {', '.join(topics)} from {servers}")
    reports = ingest_raw(session, lake.root, topics, config, idle_s=settings.idle_s)
    page_views = settings.page_view_topic or streamify.PAGE_VIEW_EVENTS
    written = []
    for report in reports:
        new_files = _files(lake, report.topic) - before[report.topic]
        if report.topic == page_views:
            days = _event_days(session, lake, report.topic, new_files)
        else:
            days = _kafka_days(new_files)
        table = raw_table(report.topic)
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
                    "messages_read": report.messages,
                    "days_with_messages": days,
                    "lag": {str(p): n for p, n in report.lag.items()},
                    "end_offsets": {str(p): o for p, o in report.end_offsets.items()},
                },
            )
        )
    return StepReport(tables=written, checks=[])


STREAM_INGEST_STEP = Step("stream_ingest", _stream_ingest, settings=StreamIngestSettings)
