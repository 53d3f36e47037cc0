"""The Spark settings every session of the pipeline runs with, on a laptop or on a cluster.

The transforms rely on them (UTC session time zone, microsecond parquet timestamps), so the
local SparkResource and the EMR step entrypoint both apply exactly this set.
"""

PIPELINE_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "true",
    "spark.sql.debug.maxToStringFields": "200",
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    "spark.hadoop.parquet.enable.summary-metadata": "false",
}
