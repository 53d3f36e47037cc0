"""README's run command, tried as a new user would: fresh clone, fresh virtualenv, `make demo`."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from sparkify_dagster_tests.helpers import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()
DEMO_SONGS = 500


def test_readme_names_the_two_setup_commands_and_ci_runs_the_test_one():
    assert "make demo" in README and "make test" in README
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_readme_contents_link_every_section_and_nothing_else():
    prose = re.sub(r"^```.*?^```", "", README, flags=re.MULTILINE | re.DOTALL)
    headings = re.findall(r"^(##|###) (.+)$", prose, re.MULTILINE)
    contents = re.search(r"^\*\*Contents:\*\*(.*?)\n\n", prose, re.MULTILINE | re.DOTALL)
    assert contents, "README.md has no **Contents:** paragraph"
    links = re.findall(r"\]\(#([^)]+)\)", contents.group(1))
    assert set(links) <= {_anchor(text) for _, text in headings}
    assert {_anchor(text) for level, text in headings if level == "##"} <= set(links)


@pytest.mark.slow
def test_make_demo_works_from_a_bare_clone_in_a_fresh_virtualenv(tmp_path):
    """No ../shared next to the clone: the demo generates its own lake and reconciles with it."""
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "sparkify_dagster"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), str(clone)], check=True)
    env = _new_user_environment()

    # The demo's own steps on a smaller lake than its week of 5,000 events a day: what is tested
    # is a new user's set-up and every step of the demo, not its size (~40 s less here).
    small_lake = f"DEMO_LAKE_ARGS=--days 2 --events-per-day 2000 --songs {DEMO_SONGS} --seed 42"

    # The install comes from uv's cache, which this checkout's own install filled (the Makefile
    # tries the cache first).
    demo = subprocess.run(
        ["make", "demo", small_lake],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )

    output = demo.stdout + demo.stderr
    assert demo.returncode == 0, output[-4000:]
    assert "Installed from uv's cache" in demo.stdout, output[:3000]
    assert (clone / ".venv" / "bin" / "sparkify").exists()
    assert "Spark sessions started: 1" in demo.stdout
    wrote = re.search(r"Wrote ([\d,]+) events .* and (\d+) song files", demo.stdout)
    plays = re.search(r"plays ([\d,]+) .*, ([\d,]+) of them of songs in song_data", demo.stdout)
    assert wrote and plays, demo.stdout[:2000]
    rows = {
        parts[0]: parts[1]
        for parts in (line.split() for line in demo.stdout.splitlines())
        if len(parts) >= 4 and parts[-1].startswith(str(clone / "data" / "lake"))
    }
    assert rows["log_events"] == wrote.group(1)
    assert rows["songs"] == wrote.group(2) == str(DEMO_SONGS)
    assert rows["songplays"] == rows["listen_events"] == plays.group(1)
    # The platform's 11 checks and the warehouse's dbt tests, all passed.
    checks = re.search(r"^Checks: (\d+) of (\d+) passed$", demo.stdout, re.MULTILINE)
    assert checks and checks[1] == checks[2] and int(checks[1]) > 11, demo.stdout[-3000:]
    assert "warehouse model" in demo.stdout and "fact_streams" in demo.stdout
    # The virtualenv is not activated: the hint names the script by its path.
    assert "Query the tables: .venv/bin/sparkify query --lake" in demo.stdout
    # The closing query ran: its matched plays per level add up to the generator's figure.
    levels = re.findall(r"│\s*(free|paid)\s*│\s*(\d+)\s*│\s*(\d+)\s*│", demo.stdout)
    assert {level for level, _, _ in levels} == {"free", "paid"}
    assert sum(int(matched) for _, _, matched in levels) == int(plays.group(2).replace(",", ""))


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
