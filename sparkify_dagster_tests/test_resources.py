"""Resources refuse settings that cannot work, with an error that says why."""

import dagster as dg
import pytest

from sparkify_dagster.resources import LocalSparkCompute, SparkResource
from sparkify_dagster.steps import StepRequest


@pytest.mark.parametrize(
    ("source", "lake", "name"),
    [("s3://bucket/raw", "data/lake", "source"), ("data/raw", "s3://bucket/lake", "lake")],
)
def test_s3_paths_with_local_spark_fail_with_a_clear_error(source, lake, name):
    compute = LocalSparkCompute(spark=SparkResource())
    request = StepRequest(step="song_catalogue", source_root=source, lake_root=lake)
    with pytest.raises(ValueError, match=f"The {name} is .*local Spark reads and writes local"):
        compute.run(dg.build_asset_context(), request)
