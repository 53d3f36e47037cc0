"""The stream's micro-batch as a step: every new message of the topics into the raw zone, once
(streaming/ingest.py), reported per topic: messages read, lag per partition, and the days the
new messages belong to (what the daily job must rebuild): each message's event day as the clean
step assigns it, so a late message (stamped by Kafka after midnight) rebuilds its event's day."""

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


@dataclass(frozen=True)
class StreamIngestSettings:
    topics: str = setting(
        ",".join(streamify.TOPICS), "The topics to land in the raw zone, comma-separated."
    )
    idle_s: float = setting(
        TAIL_IDLE_S, "How long a partition's tail is waited for once it seems read."
    )


def _files(lake: ParquetLake, topic: str) -> set[str]:
    root = raw_path(lake.root, topic)
    return set(lake.files.files(root, ".parquet")) if lake.files.is_dir(root) else set()


def _days_of_new_messages(
    session: SparkSession, lake: ParquetLake, new_files: dict[str, set[str]]
) -> dict[str, list[str]]:
    """Topic → the days its new files' messages belong to, in one Spark job. The new files are
    the ones this run committed (and, after a crash, maybe a dead attempt's: at worst a day
    rebuilt for nothing)."""
    frames = [
        session.read.option("basePath", raw_path(lake.root, topic)).parquet(*sorted(files))
        for topic, files in new_files.items()
        if files
    ]
    if not frames:
        return {}
    raw = frames[0]
    for frame in frames[1:]:
        raw = raw.unionByName(frame)
    days: dict[str, list[str]] = {}
    for row in message_days(raw).orderBy("topic", PARTITION_COLUMN).collect():
        days.setdefault(row["topic"], []).append(row[PARTITION_COLUMN].isoformat())
    return days


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
    days_of = _days_of_new_messages(session, lake, {t: _files(lake, t) - before[t] for t in topics})
    written = []
    for report in reports:
        days = days_of.get(report.topic, [])
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
