"""The stream reader's offsets: what a micro-batch reads, given what the broker holds."""

from datetime import UTC, date, datetime

import pytest

from sparkify_dagster.streaming import source
from sparkify_dagster.streaming.kafka import KafkaError, PartitionRange
from sparkify_dagster.streaming.source import KafkaStreamReader, TopicPartitionRange, options_for


@pytest.fixture
def broker_holds(monkeypatch):
    """What end_offsets reports, set by the test (the broker-facing half is tested on Tansu)."""
    held: dict[int, PartitionRange] = {}
    monkeypatch.setattr(source, "end_offsets", lambda config, topic, idle_s: held)
    return held


def _reader(fail_on_data_loss: bool = True) -> KafkaStreamReader:
    config = {"bootstrap.servers": "127.0.0.1:1"}
    return KafkaStreamReader(options_for("t", config, fail_on_data_loss=fail_on_data_loss))


def test_a_first_batch_reads_each_partition_from_its_first_kept_message(broker_holds):
    broker_holds.update({0: PartitionRange(low=5, end=9), 1: PartitionRange(low=0, end=0)})
    reader = _reader()
    start = reader.initialOffset()
    end = reader.latestOffset(start, None)
    assert (start, end) == ({"0": 5, "1": 0}, {"0": 9, "1": 0})
    assert reader.partitions(start, end) == [TopicPartitionRange("t", 0, 5, 9)]


def test_a_partition_added_since_the_checkpoint_is_read_from_its_start(broker_holds):
    broker_holds.update({0: PartitionRange(0, 9), 1: PartitionRange(0, 4)})
    reader = _reader()
    start = {"0": 9}
    assert reader.partitions(start, reader.latestOffset(start, None)) == [
        TopicPartitionRange("t", 1, 0, 4)
    ]


def test_messages_deleted_before_they_were_read_fail_the_batch_naming_them(broker_holds):
    broker_holds.update({0: PartitionRange(low=20, end=30)})
    with pytest.raises(KafkaError, match=r"^t\[0\]: offsets 12\.\.19 were deleted"):
        _reader().latestOffset({"0": 12}, None)


def test_with_fail_on_data_loss_off_the_deleted_messages_are_skipped(broker_holds):
    broker_holds.update({0: PartitionRange(low=20, end=30)})
    reader = _reader(fail_on_data_loss=False)
    end = reader.latestOffset({"0": 12}, None)
    assert reader.partitions({"0": 12}, end) == [TopicPartitionRange("t", 0, 20, 30)]


def test_a_partition_that_went_back_fails_the_batch(broker_holds):
    broker_holds.update({0: PartitionRange(low=0, end=3)})
    with pytest.raises(
        KafkaError, match=r"^t\[0\] ends at offset 3 on the broker, before offset 7"
    ):
        _reader().latestOffset({"0": 7}, None)


def test_a_partition_gone_before_anything_was_read_from_it_is_left_out(broker_holds):
    broker_holds.update({0: PartitionRange(0, 4)})
    reader = _reader()
    start = {"0": 2, "1": 0}
    end = reader.latestOffset(start, None)
    assert end == {"0": 4}
    assert reader.partitions(start, end) == [TopicPartitionRange("t", 0, 2, 4)]


def test_a_message_without_a_kafka_timestamp_lands_on_the_day_it_was_read():
    from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_NOT_AVAILABLE

    read_on = date(2026, 12, 3)
    assert source.raw_time_and_day((TIMESTAMP_NOT_AVAILABLE, -1), read_on) == (None, read_on)
    stamped = datetime(2026, 12, 1, 23, 59, 59, 999_000, tzinfo=UTC)
    assert source.raw_time_and_day(
        (TIMESTAMP_CREATE_TIME, int(stamped.timestamp() * 1000)), read_on
    ) == (
        stamped,
        stamped.date(),
    )
