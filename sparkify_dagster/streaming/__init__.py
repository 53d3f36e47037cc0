"""The streaming source: Streamify's Kafka topics landed in the lake's raw zone.

broker.py   a local Kafka-compatible broker (Tansu) for development, tests and demos
streamify.py  the Streamify message format: topics, fields, the mapping from an app event
kafka.py    confluent-kafka clients from the settings; topic creation; reading a topic's end
source.py   the PySpark Python Data Source over confluent-kafka (Spark's own Kafka connector is
            not installed here); ingest.py: its micro-batch into <lake>/raw/<topic>/
"""
