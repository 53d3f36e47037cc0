"""A lake fed by Kafka (source kafka://HOST:PORT): the micro-batch into the raw zone, and the
clean step that takes each day from there in clean_log_events' place."""

import json
from collections.abc import Sequence

import dagster as dg

from sparkify_dagster import tables
from sparkify_dagster.assets.step_results import (
    check_specs,
    report_results,
    step_config,
    table_spec,
)
from sparkify_dagster.errors import StepFailed
from sparkify_dagster.partitions import daily_partitions, partition_days
from sparkify_dagster.resources.compute import SparkCompute
from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.settings import KAFKA_SASL_SECRET, Settings
from sparkify_dagster.steps.stream_events import CLEAN_STREAM_EVENTS_STEP, CleanStreamSettings
from sparkify_dagster.steps.stream_ingest import (
    DAYS_WITH_MESSAGES,
    END_OFFSETS,
    LAG,
    MESSAGES_READ,
    OFFSETS_SKIPPED,
    STREAM_INGEST_STEP,
    StreamIngestSettings,
)
from sparkify_dagster.streaming import streamify
from sparkify_dagster.tables import raw_table

STREAM_KIND = "kafka"  # the raw tables' kind: what the daily job leaves out

CleanStreamConfig = step_config(CLEAN_STREAM_EVENTS_STEP)
# What a run of the micro-batch may choose; the topics and the recorded offsets are the asset's.
StreamIngestConfig = step_config(STREAM_INGEST_STEP, only=["fail_on_data_loss"])


def page_view_topic(settings: Settings) -> str:
    """The configured name of Streamify's page_view_events (Settings.kafka_topics lists the
    three topics in streamify.TOPICS' order)."""
    return dict(zip(streamify.TOPICS, settings.kafka_topics, strict=False)).get(
        streamify.PAGE_VIEW_EVENTS, streamify.PAGE_VIEW_EVENTS
    )


def page_view_asset_key(settings: Settings) -> dg.AssetKey:
    """The raw table the clean step reads: its batches' days are the days to rebuild."""
    return dg.AssetKey(raw_table(page_view_topic(settings)).name)


def recorded_offsets(instance: dg.DagsterInstance, topics: Sequence[str]) -> str:
    """How far each topic's last recorded micro-batch read (its end offsets), as the step's
    `recorded_offsets` setting: what a crashed run committed past it is then reported."""
    recorded = {}
    for topic in topics:
        event = instance.get_latest_materialization_event(dg.AssetKey(raw_table(topic).name))
        materialization = event.asset_materialization if event else None
        if materialization is not None and END_OFFSETS in materialization.metadata:
            recorded[topic] = materialization.metadata[END_OFFSETS].value
    return json.dumps(recorded)


def build_stream_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    """stream_ingest (one raw table per configured topic) and clean_stream_events."""
    topics = settings.kafka_topics

    @dg.multi_asset(
        name=STREAM_INGEST_STEP.name,
        specs=[
            dg.AssetSpec(
                raw_table(topic).name,
                group_name="raw",
                description=raw_table(topic).description,
                kinds={STREAM_KIND},
            )
            for topic in topics
        ],
        description="One micro-batch: every message not yet landed, once, into the raw zone.",
    )
    def stream_ingest(
        context: dg.AssetExecutionContext,
        config: StreamIngestConfig,
        compute: SparkCompute,
        lake: LakeResource,
    ):
        if settings.kafka_password_stays_behind():  # found before a cluster is made for it
            raise StepFailed(
                f"SASL {settings.kafka_sasl_mechanism} on a cluster this run creates: the "
                f"password set here never travels there; set {KAFKA_SASL_SECRET.name} (README: "
                "Running on AWS)"
            )
        request = STREAM_INGEST_STEP.request(
            lake.source_root,
            lake.lake_root,
            settings=StreamIngestSettings(
                **config.model_dump(),
                topics=",".join(topics),
                page_view_topic=page_view_topic(settings),
                kafka_security=json.dumps(settings.kafka_security_without_password()),
                recorded_offsets=recorded_offsets(context.instance, topics),
            ),
        )
        report = compute.run(context, request)
        for table in report.tables:
            yield dg.MaterializeResult(
                asset_key=table.asset,
                metadata={
                    MESSAGES_READ: table.extra[MESSAGES_READ],
                    OFFSETS_SKIPPED: table.extra[OFFSETS_SKIPPED],
                    DAYS_WITH_MESSAGES: dg.MetadataValue.json(table.extra[DAYS_WITH_MESSAGES]),
                    "lag_per_partition": dg.MetadataValue.json(table.extra[LAG]),
                    "lag": sum(table.extra[LAG].values()),
                    END_OFFSETS: dg.MetadataValue.json(table.extra[END_OFFSETS]),
                    "path": dg.MetadataValue.path(table.path),
                },
            )

    topic = page_view_topic(settings)

    @dg.multi_asset(
        name=CLEAN_STREAM_EVENTS_STEP.name,
        specs=[
            table_spec(tables.LOG_EVENTS).replace_attributes(deps=[raw_table(topic).name]),
            table_spec(tables.LISTEN_EVENTS),
            table_spec(tables.PAGE_VIEW_EVENTS),
            table_spec(tables.AUTH_EVENTS),
            table_spec(tables.EVENT_LOCATIONS),
            table_spec(tables.QUARANTINED_MESSAGES),
        ],
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=check_specs(CLEAN_STREAM_EVENTS_STEP),
    )
    def clean_stream_events(
        context: dg.AssetExecutionContext,
        config: CleanStreamConfig,
        compute: SparkCompute,
        lake: LakeResource,
    ):
        values = {**config.model_dump(), "page_view_topic": config.page_view_topic or topic}
        settings = CleanStreamSettings(**values)
        days = partition_days(context)
        request = CLEAN_STREAM_EVENTS_STEP.request(lake.source_root, lake.lake_root, days, settings)
        yield from report_results(context, compute.run(context, request))

    return [stream_ingest, clean_stream_events]
