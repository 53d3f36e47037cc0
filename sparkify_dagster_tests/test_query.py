"""`sparkify query`: read-only SQL confined to the lake's tables, with clear refusals."""

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sparkify_dagster import tables
from sparkify_dagster.cli import main
from sparkify_dagster_tests.helpers import lake_snapshot

REFUSED = "refused: sparkify query is read-only"


def _query(lake: Path, sql: str, *options: str):
    return CliRunner().invoke(main, ["query", "--lake", str(lake), *options, sql])


def _files(lake: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and directory under the lake → (inode, size, mtime): any write shows."""
    return {
        str(p.relative_to(lake)): (p.stat().st_ino, p.stat().st_size, p.stat().st_mtime_ns)
        for p in lake.rglob("*")
    }


@pytest.fixture(scope="module")
def sample_lake_before(sample_lake) -> dict:
    return lake_snapshot(sample_lake)


def _assert_refused_and_untouched(result, lake: Path, files_before: dict, snapshot: dict):
    assert result.exit_code == 1, result.output
    assert REFUSED in result.output
    assert "Traceback" not in result.output
    assert _files(lake) == files_before
    assert lake_snapshot(lake) == snapshot


def test_copy_over_a_daily_table_is_refused_and_its_days_stay(sample_lake, sample_lake_before):
    time_dir = sample_lake / tables.TIME.relative_path
    before = _files(sample_lake)
    result = _query(
        sample_lake,
        f"COPY (SELECT * FROM time LIMIT 1) TO '{time_dir}' "
        "(FORMAT parquet, PARTITION_BY (hour), OVERWRITE true)",
    )
    _assert_refused_and_untouched(result, sample_lake, before, sample_lake_before)
    assert len({p.parent for p in time_dir.glob("date=*/*.parquet")}) == 30


def test_copy_onto_a_table_file_is_refused(sample_lake, sample_lake_before):
    (songs_file,) = (sample_lake / tables.SONGS.relative_path).glob("*.parquet")
    before = _files(sample_lake)
    result = _query(sample_lake, f"COPY (SELECT 1 AS song_id) TO '{songs_file}' (FORMAT parquet)")
    _assert_refused_and_untouched(result, sample_lake, before, sample_lake_before)


def test_attach_cannot_create_a_database_file(sample_lake, sample_lake_before, tmp_path):
    before = _files(sample_lake)
    for target in (sample_lake / "extra.duckdb", tmp_path / "elsewhere.duckdb"):
        result = _query(sample_lake, f"ATTACH '{target}' AS extra")
        _assert_refused_and_untouched(result, sample_lake, before, sample_lake_before)
        assert not target.exists()


def _refused_in_one_line(result) -> None:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and REFUSED in lines[0], result.output


def test_files_outside_the_lake_cannot_be_read(sample_lake, tmp_path):
    passwd = _query(sample_lake, "SELECT * FROM read_text('/etc/passwd')")
    _refused_in_one_line(passwd)
    assert "root:" not in passwd.output
    outside = tmp_path / "outside.parquet"
    pq.write_table(pa.table({"secret": [42]}), outside)
    parquet = _query(sample_lake, f"SELECT * FROM read_parquet('{outside}')", "--csv")
    _refused_in_one_line(parquet)
    assert "42" not in parquet.output


def test_duckdbs_temporary_directory_is_not_the_current_directorys(
    sample_lake, tmp_path, monkeypatch
):
    """DuckDB opens its temporary directory with external access off; by default `./.tmp`."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".tmp").mkdir()
    (tmp_path / ".tmp" / "notes.txt").write_text("not the lake's")
    result = _query(sample_lake, "SELECT content FROM read_text('.tmp/notes.txt')")
    _refused_in_one_line(result)
    assert "not the lake's" not in result.output


def test_only_the_lake_tables_files_can_be_read_by_path(sample_lake):
    songs = sample_lake / tables.SONGS.relative_path
    by_path = _query(
        sample_lake, f"SELECT count(*) FROM read_parquet('{songs}/*.parquet')", "--csv"
    )
    assert by_path.exit_code == 0, by_path.output
    expected = sum(pq.read_metadata(f).num_rows for f in songs.glob("*.parquet"))
    assert by_path.output.splitlines()[1] == str(expected)
    # The lake's other files are not tables: the warehouse's build file, the lake's lock.
    for other in (sample_lake / "warehouse" / "sparkify.duckdb", sample_lake / "_lock"):
        _refused_in_one_line(_query(sample_lake, f"SELECT * FROM read_blob('{other}')"))
    # `..` out of a table's directory is not in it.
    escape = songs / ".." / ".." / "warehouse" / "sparkify.duckdb"
    _refused_in_one_line(_query(sample_lake, f"SELECT * FROM read_blob('{escape}')"))


def test_statements_that_could_write_into_the_tables_directories_are_refused(
    sample_lake, sample_lake_before
):
    """DuckDB lets a statement write where it may read: the lake's table directories."""
    songs = sample_lake / tables.SONGS.relative_path
    before = _files(sample_lake)
    for sql in (
        f"COPY (SELECT 1 AS song_id) TO '{songs}/extra.parquet' (FORMAT parquet)",
        f"EXPLAIN ANALYZE COPY (SELECT 1 AS song_id) TO '{songs}/extra.parquet' (FORMAT parquet)",
        f"ATTACH '{songs}/extra.duckdb' AS extra",
        f"SELECT 1; COPY (SELECT 1 AS song_id) TO '{songs}/extra.parquet' (FORMAT parquet)",
        f"EXPORT DATABASE '{songs}/export'",
        "CREATE SECRET (TYPE s3, KEY_ID 'k', SECRET 's')",
    ):
        _refused_in_one_line(_query(sample_lake, sql))
    assert _files(sample_lake) == before
    assert lake_snapshot(sample_lake) == sample_lake_before


def test_the_settings_that_confine_a_query_cannot_be_changed(sample_lake):
    result = _query(sample_lake, "SET enable_external_access = true")
    assert result.exit_code == 1 and "the configuration has been locked" in result.output


def test_daily_tables_have_their_date_as_a_date_column(sample_lake):
    result = _query(
        sample_lake,
        "SELECT date, typeof(date) AS type, count(*) AS n FROM songplays GROUP BY date ORDER BY date",
        "--csv",
    )
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header == "date,type,n"
    songplays = sample_lake / tables.SONGPLAYS.relative_path
    expected = [
        f"{day.name.removeprefix('date=')},DATE,"
        f"{sum(pq.read_metadata(f).num_rows for f in day.glob('*.parquet'))}"
        for day in sorted(songplays.glob("date=*"))
        if any(pq.read_metadata(f).num_rows for f in day.glob("*.parquet"))
    ]
    assert rows == expected and len(rows) == 30


def _one_line_naming(result, path: Path) -> None:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0], result.output


def test_a_damaged_parquet_file_fails_the_queries_that_read_it_in_one_line(sample_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(sample_lake, lake)
    songplays = lake / tables.SONGPLAYS.relative_path
    (damaged,) = (songplays / "date=2018-11-15").glob("*.parquet")
    damaged.write_bytes(b"not parquet at all" * 10)

    _one_line_naming(_query(lake, "SELECT count(*) FROM songplays"), damaged)
    # The other days, and the other tables, still answer.
    other_day = _query(lake, "SELECT count(*) FROM songplays WHERE date = '2018-11-14'", "--csv")
    assert other_day.exit_code == 0, other_day.output
    assert other_day.output.splitlines()[1] != "0"
    assert _query(lake, "SELECT count(*) FROM songs").exit_code == 0

    (songs_file,) = (lake / tables.SONGS.relative_path).glob("*.parquet")
    songs_file.write_bytes(songs_file.read_bytes()[:100])
    # A table with no readable file at all: the lake cannot be opened; the file is named.
    _one_line_naming(_query(lake, "SELECT count(*) FROM artists"), songs_file)
