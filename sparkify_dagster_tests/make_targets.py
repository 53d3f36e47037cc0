"""Running a Makefile target as a user does, and watching the processes it starts (from /proc)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

from sparkify_dagster_tests.helpers import PROJECT_ROOT


class MakeTarget:
    """`make <target>` in this checkout with the test's virtualenv (never installed into again),
    `variables` as make variables and `env` added to a user's environment, in a session of its
    own as a terminal gives a job (make leads the foreground group); its output in `log`. A
    context manager: on leaving, whatever of it still runs is killed."""

    def __init__(self, target: str, log: Path, env: dict[str, str] | None = None, **variables):
        environment = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SPARKIFY_", "DAGSTER_", "MAKE")) and k != "MFLAGS"
        }
        environment["PYTHONPATH"] = str(PROJECT_ROOT)  # this checkout's code, whatever is installed
        venv = Path(sys.prefix)
        command = ["make", "--no-print-directory", "-o", f"{venv}/.installed", target]
        command += [f"VENV={venv}", *(f"{name}={value}" for name, value in variables.items())]
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env={**environment, **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.seen: dict[int, str] = {}  # the processes below make, as last looked at

    def look(self, only: str = "") -> dict[int, str]:
        """Adds the processes now below make (whose command line holds `only`) to `seen`."""
        self.seen |= {p: c for p, c in descendants(self.process.pid).items() if only in c}
        return self.seen

    def stop(self, how: str, within_s: float) -> dict[int, str]:
        """Ctrl-C (SIGINT to the group, as a terminal does) or a `kill` of make (SIGTERM);
        what of `seen` still runs after `within_s`."""
        stopped_at = time.monotonic()
        if how == "ctrl-c":
            os.killpg(self.process.pid, signal.SIGINT)
        else:
            os.kill(self.process.pid, signal.SIGTERM)
        running = still_running(self.seen)
        while running and time.monotonic() - stopped_at < within_s:
            time.sleep(0.2)
            running = still_running(self.seen)
        if not running:
            self.process.wait(within_s)
        return running

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        for pid in still_running(self.seen):
            os.kill(pid, signal.SIGKILL)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


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
