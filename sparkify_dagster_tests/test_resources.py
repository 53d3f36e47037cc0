"""Resources refuse settings that cannot work, with an error that says why."""

import pytest

from sparkify_dagster.resources import LakeResource


def test_an_s3_source_with_local_spark_fails_with_a_clear_error():
    lake = LakeResource(source_root="s3://bucket/raw", lake_root="data/lake")
    with pytest.raises(ValueError, match="local Spark reads local directories only"):
        lake.song_files()
    with pytest.raises(ValueError, match="local Spark reads local directories only"):
        lake.log_files([])


def test_an_s3_lake_with_local_spark_fails_with_a_clear_error():
    lake = LakeResource(source_root="data/raw", lake_root="s3://bucket/lake")
    with pytest.raises(ValueError, match="local Spark writes local directories only"):
        lake.tables()
