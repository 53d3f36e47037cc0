"""The Spark home our JVMs start from: PySpark's Spark, whose Python processes import the
installed, compiled PySpark instead of Spark's zip of it."""

import os
from pathlib import Path

import pytest

from sparkify_dagster import spark_home as module
from sparkify_dagster.spark_home import (
    LINKED,
    launching_from_spark_home,
    pyspark_spark_home,
    spark_home,
)


@pytest.fixture
def new_home(tmp_path, monkeypatch) -> Path:
    """No SPARK_HOME in the environment, and a home that does not exist yet."""
    monkeypatch.delenv("SPARK_HOME", raising=False)
    home = tmp_path / "share" / "sparkify" / "spark-home"
    monkeypatch.setattr(module, "HOME", home)
    return home


def test_a_python_worker_of_the_tests_spark_imports_the_installed_pyspark(spark):
    def where_pyspark_is(_):
        import pyspark

        return pyspark.__file__

    (found,) = spark.sparkContext.parallelize([0], 1).map(where_pyspark_is).collect()
    assert Path(found) == pyspark_spark_home() / "__init__.py", found


def test_the_home_links_pysparks_scripts_and_jars_and_leaves_out_its_python_zips(new_home):
    assert spark_home() == new_home
    for name in LINKED:
        assert (new_home / name).resolve() == (pyspark_spark_home() / name).resolve()
    assert (pyspark_spark_home() / "python" / "lib" / "pyspark.zip").is_file()
    assert not (new_home / "python").exists()
    assert (new_home / "bin" / "spark-submit").is_file() and list(new_home.glob("jars/*.jar"))
    assert spark_home() == new_home  # made once: the next call finds it
    assert sorted(p.name for p in new_home.parent.iterdir()) == ["spark-home"]  # nothing left


def test_a_home_another_process_put_in_place_first_is_kept_and_ours_discarded(new_home):
    spark_home()  # the other process's
    theirs = {link.name: os.readlink(link) for link in new_home.iterdir()}
    module._make_home()  # ours, built aside, finds its place taken
    assert {link.name: os.readlink(link) for link in new_home.iterdir()} == theirs
    assert sorted(p.name for p in new_home.parent.iterdir()) == ["spark-home"]


def test_pysparks_own_home_serves_when_no_home_can_be_made(new_home, monkeypatch, tmp_path):
    (tmp_path / "not-a-directory").write_text("")
    monkeypatch.setattr(module, "HOME", tmp_path / "not-a-directory" / "spark-home")
    assert spark_home() == pyspark_spark_home()


def test_a_spark_home_set_in_the_environment_is_used_as_it_is(new_home, monkeypatch, tmp_path):
    own = tmp_path / "spark-4"
    monkeypatch.setenv("SPARK_HOME", str(own))
    assert spark_home() == own
    with launching_from_spark_home() as home:
        assert home == own and os.environ["SPARK_HOME"] == str(own)
    assert os.environ["SPARK_HOME"] == str(own)
    assert not new_home.exists()


def test_pysparks_launcher_is_told_the_home_for_the_launch_only(new_home):
    with launching_from_spark_home() as home:
        assert home == new_home and os.environ["SPARK_HOME"] == str(new_home)
    assert "SPARK_HOME" not in os.environ
