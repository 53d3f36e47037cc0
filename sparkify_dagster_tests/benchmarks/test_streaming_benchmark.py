"""The streaming benchmark's parts: its bare consumer writes what the raw zone holds, and its
figures divide what they say.

The benchmark itself is left out of the quick suite run (a Spark Connect server, runs of the
micro-batch and daily jobs in new processes: ~3.5 min at the quick size); those runs are tested
in test_spark_connect.py and assets/test_stream.py, the rest here.
"""

import pyarrow.dataset as ds

from benchmarks.streaming import (
    bare_ingest,
    freshness_figure,
    ingest_rate_figure,
    micro_batch_figure,
)
from sparkify_dagster.sensors.raw_files import TICK_SECONDS
from sparkify_dagster.streaming.ingest import ingest_raw, raw_path
from sparkify_dagster.streaming.kafka import ensure_topics
from sparkify_dagster_tests.streaming.helpers import client_config, produce, unique_topics


def _rows(root) -> list[tuple]:
    table = ds.dataset(root, partitioning="hive").to_table(["partition", "offset", "value", "date"])
    return sorted(tuple(row.values()) for row in table.to_pylist())


def test_the_bare_consumer_writes_the_rows_the_raw_zone_holds(spark, kafka_broker, tmp_path):
    topic = unique_topics()["listen_events"]
    ensure_topics(client_config(kafka_broker), [topic], 3)
    produce(kafka_broker, topic, [f"play {i}".encode() for i in range(500)], **{"linger.ms": 20})
    (report,) = ingest_raw(spark, str(tmp_path / "lake"), [topic], client_config(kafka_broker))

    written = bare_ingest(kafka_broker, topic, report.end_offsets, tmp_path / "bare")

    assert written == report.messages == 500
    assert _rows(tmp_path / "bare") == _rows(raw_path(str(tmp_path / "lake"), topic))


def test_the_figures_compare_rates_and_add_the_worst_waits():
    rate = ingest_rate_figure(ours=4.0, bare=2.0, messages=1_000, detail="")
    assert (rate.a, rate.b, rate.ratio, rate.met) == (250.0, 500.0, 0.5, True)
    runs = micro_batch_figure([16.0, 14.0, 15.0], own_spark=30.0, events=3_000)
    assert runs.a == 15.0 and runs.met and "30.0 s" in runs.detail
    fresh = freshness_figure(micro_batch=15.0, daily=40.0, cadence_s=300.0)
    assert fresh.a == 300.0 + 15.0 + TICK_SECONDS + 40.0
    assert fresh.ratio == fresh.a / 300.0 and fresh.met
    assert not freshness_figure(micro_batch=15.0, daily=300.0, cadence_s=300.0).met
