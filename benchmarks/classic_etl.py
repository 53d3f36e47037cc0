"""The original Sparkify etl.py, re-implemented faithfully as the baseline we are measured against.

What it does, as the Udacity data-lake projects did: wildcard reads with schema inference, a full
recompute of every table on each run, songs partitioned by year and artist_id, a Python UDF for
timestamps, `monotonically_increasing_id` song play ids, overwrite mode. Its defects are kept on
purpose (see ../shared/notes/anchors.md); do not use it for anything but comparison.

    python -m benchmarks.classic_etl SOURCE_DIR OUTPUT_DIR   # prints {"seconds": ...}
"""

import json
import os
import sys
import time
from datetime import datetime

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import TimestampType

from sparkify_dagster.settings import SPARK_JAVA_OPTIONS


def process_song_data(spark: SparkSession, input_data: str, output_data: str) -> None:
    df = spark.read.json(input_data + "song_data/*/*/*/*.json")
    songs_table = df.select("song_id", "title", "artist_id", "year", "duration").dropDuplicates()
    songs_table.write.partitionBy("year", "artist_id").parquet(
        output_data + "songs/", mode="overwrite"
    )
    artists_table = df.select(
        "artist_id",
        F.col("artist_name").alias("name"),
        F.col("artist_location").alias("location"),
        F.col("artist_latitude").alias("latitude"),
        F.col("artist_longitude").alias("longitude"),
    ).dropDuplicates()
    artists_table.write.parquet(output_data + "artists/", mode="overwrite")


def process_log_data(spark: SparkSession, input_data: str, output_data: str) -> None:
    df = spark.read.json(input_data + "log_data/*/*/*.json")
    df = df.filter(df.page == "NextSong")

    users_table = df.select(
        F.col("userId").alias("user_id"),
        F.col("firstName").alias("first_name"),
        F.col("lastName").alias("last_name"),
        "gender",
        "level",
    ).dropDuplicates()
    users_table.write.parquet(output_data + "users/", mode="overwrite")

    get_timestamp = F.udf(lambda ts: datetime.fromtimestamp(ts / 1000.0), TimestampType())
    df = df.withColumn("start_time", get_timestamp("ts"))
    time_table = (
        df.select("start_time")
        .dropDuplicates()
        .withColumn("hour", F.hour("start_time"))
        .withColumn("day", F.dayofmonth("start_time"))
        .withColumn("week", F.weekofyear("start_time"))
        .withColumn("month", F.month("start_time"))
        .withColumn("year", F.year("start_time"))
        .withColumn("weekday", F.dayofweek("start_time"))
    )
    time_table.write.partitionBy("year", "month").parquet(output_data + "time/", mode="overwrite")

    song_df = spark.read.json(input_data + "song_data/*/*/*/*.json")
    songplays_table = (
        df.join(
            song_df,
            (df.song == song_df.title)
            & (df.artist == song_df.artist_name)
            & (df.length == song_df.duration),
            "inner",
        )
        .select(
            F.monotonically_increasing_id().alias("songplay_id"),
            "start_time",
            F.col("userId").alias("user_id"),
            "level",
            "song_id",
            "artist_id",
            F.col("sessionId").alias("session_id"),
            "location",
            F.col("userAgent").alias("user_agent"),
        )
        .withColumn("year", F.year("start_time"))
        .withColumn("month", F.month("start_time"))
    )
    songplays_table.write.partitionBy("year", "month").parquet(
        output_data + "songplays/", mode="overwrite"
    )


def main() -> None:
    source, output = sys.argv[1].rstrip("/") + "/", sys.argv[2].rstrip("/") + "/"
    # Its UDF runs in Python workers: they must be this interpreter (the venv's, with pyarrow
    # and pandas), not whatever `python3` is first on PATH. Local Spark reads only the variable.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # The original ran with Spark's defaults; only the driver gets the memory ours has, and the
    # JVM options ours takes from the environment (the tests' quick runs set them).
    spark = (
        SparkSession.builder.master("local[*]")
        .appName("classic-sparkify-etl")
        .config("spark.driver.memory", "4g")
        .config("spark.driver.extraJavaOptions", SPARK_JAVA_OPTIONS.value() or "")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    started = time.perf_counter()
    process_song_data(spark, source, output)
    process_log_data(spark, source, output)
    print(json.dumps({"seconds": time.perf_counter() - started}))
    spark.stop()


if __name__ == "__main__":
    main()
