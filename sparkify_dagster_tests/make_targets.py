"""Running a Makefile target as a user does, and watching the processes it starts (from /proc)."""

import os
import sys
from pathlib import Path

from sparkify_dagster_tests.helpers import PROJECT_ROOT


def make_command(target: str, **variables: object) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of `make <target>` in this checkout, with the test's
    virtualenv (never installed into again) and `variables` as make variables."""
    venv = Path(sys.prefix)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SPARKIFY_", "DAGSTER_", "MAKE")) and k != "MFLAGS"
    }
    env["PYTHONPATH"] = str(PROJECT_ROOT)  # this checkout's code, whatever the venv installed
    command = [
        "make",
        "--no-print-directory",
        "-o",  # never (re)install into the test's virtualenv
        f"{venv}/.installed",
        target,
        f"VENV={venv}",
        *(f"{name}={value}" for name, value in variables.items()),
    ]
    return command, env


def processes() -> dict[int, tuple[int, str, str]]:
    """pid → (parent pid, state, command line) of every process, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # The command name in parentheses may hold spaces: the fields follow the last ")".
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        found[int(entry.name)] = (int(ppid), state, cmdline)
    return found


def descendants(root: int) -> dict[int, str]:
    """The running processes below `root`: pid → command line."""
    running = processes()
    below, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, state, cmdline) in running.items():
            if ppid == parent and state != "Z":
                below[pid] = cmdline
                frontier.append(pid)
    return below


def still_running(pids: dict[int, str]) -> dict[int, str]:
    """Those of `pids` that still run the same command (zombies count as stopped)."""
    now = processes()
    return {
        pid: cmdline
        for pid, cmdline in pids.items()
        if pid in now and now[pid][1] != "Z" and now[pid][2] == cmdline
    }
