"""scripts/compare_lakes.py, the proof that a refactoring wrote the same tables: equal lakes
compare equal, and a file rewritten with the same rows but other bytes is found."""

import shutil
import subprocess
import sys

import pyarrow.parquet as pq

from sparkify_dagster_tests.helpers import PROJECT_ROOT


def _compare(before, after) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/compare_lakes.py", str(before), str(after)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )


def test_a_copied_lake_is_identical_and_a_rewritten_file_is_found(sample_lake, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(sample_lake, copy)
    same = _compare(sample_lake, copy)
    assert same.returncode == 0 and " 0 differ" in same.stdout, same.stdout + same.stderr

    (users,) = (copy / "star" / "users").glob("*.parquet")
    pq.write_table(pq.read_table(users), users)  # the same rows, written by pyarrow
    changed = _compare(sample_lake, copy)
    assert changed.returncode == 1
    assert changed.stdout.splitlines()[0] == "DIFFERS: star/users"
