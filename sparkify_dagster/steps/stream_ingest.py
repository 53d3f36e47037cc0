"""The stream's micro-batch as a step: every new message of the topics into the raw zone, once
(streaming/ingest.py), reported per topic: messages read, lag per partition, and the Kafka days
that received messages (what the daily job must rebuild)."""

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

_DAY_DIRECTORY = re.compile(rf"/{PARTITION_COLUMN}=(\d{{4}}-\d{{2}}-\d{{2}})/")


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
    written = []
    for report in reports:
        new_files = _files(lake, report.topic) - before[report.topic]
        days = sorted({m.group(1) for f in new_files if (m := _DAY_DIRECTORY.search(f))})
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
