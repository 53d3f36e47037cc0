"""README's run command, tried as a new user would: fresh clone, fresh virtualenv, `make demo`."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from sparkify_dagster_tests.conftest import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()


def test_readme_names_the_two_setup_commands_and_ci_runs_the_test_one():
    assert "make demo" in README and "make test" in README
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)


@pytest.mark.slow
def test_make_demo_works_from_a_fresh_clone_in_a_fresh_virtualenv(tmp_path):
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    work = tmp_path / "work"
    work.mkdir()
    clone = work / "sparkify_dagster"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), str(clone)], check=True)
    (work / "shared").symlink_to(PROJECT_ROOT.parent / "shared")
    env = _new_user_environment()

    demo = subprocess.run(
        ["make", "demo"], cwd=clone, env=env, capture_output=True, text=True, timeout=1800
    )

    output = demo.stdout + demo.stderr
    assert demo.returncode == 0, output[-4000:]
    assert (clone / ".venv" / "bin" / "sparkify").exists()
    assert "Spark sessions started: 1" in demo.stdout
    rows = {
        parts[0]: parts[1]
        for parts in (line.split() for line in demo.stdout.splitlines())
        if len(parts) >= 4 and parts[-1].startswith(str(clone / "data" / "lake"))
    }
    assert rows["songplays"] == "6,820" and rows["time"] == "6,813" and rows["users"] == "97"
    assert rows["songs"] == "71" and rows["artists"] == "69"
    assert "Checks: 10 of 10 passed" in demo.stdout
    assert re.search(r"│\s*paid\s*│\s*5591\s*│", demo.stdout)  # the closing query ran


def _new_user_environment() -> dict[str, str]:
    """The caller's environment minus this project's virtualenv and settings."""
    venv_bin = str(Path(os.sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv_bin)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SPARKIFY_", "DAGSTER_", "VIRTUAL_ENV", "PYTHONPATH", "MAKE"))
    }
    env["PATH"] = path
    return env
