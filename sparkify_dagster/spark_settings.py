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
    # Spark reads a big input in pieces of total / cores, capped at this size: the default
    # 128 MB cap cuts a 1M-event day (~450 MB) into 4 pieces, 2 waves of tasks on 2 cores with
    # the short last piece leaving a core idle; 256 MB gives one piece per core.
    "spark.sql.files.maxPartitionBytes": str(256 * 1024 * 1024),
    # A daily run compiles ~140 generated classes, more than Spark's default cache of 100, so
    # a session that runs the job again (a long-lived session, several runs in one process)
    # evicted each step's code before its next use and compiled and JIT-warmed it all again:
    # ~6 s of the 22 s a warm 1M-event day took.
    "spark.sql.codegen.cache.maxEntries": "1000",
    # PySpark's DataFrame debugging sends each Column or DataFrame call's Python call site to
    # the JVM (about ten py4j round trips a call) for error messages' query context, which the
    # one-line errors here never show: ~8 % of the sample month's run (18.0 s → 16.5 s).
    "spark.python.sql.dataFrameDebugging.enabled": "false",
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    "spark.hadoop.parquet.enable.summary-metadata": "false",
}
