#!/usr/bin/env bash
# Runs a command (`make dev`: dagster dev) and stops it, whole, within seconds of Ctrl-C or kill.
#
# The command runs in a process group of its own. Ctrl-C (SIGINT to the terminal's foreground
# group: make and this script) and SIGTERM (make passes it on to this script) are passed to
# that whole group: dagster dev shuts its webserver, daemon and code server down cleanly. On a
# busy machine their interpreters can take many seconds more to exit, so whatever of the group
# still runs DEV_STOP_GRACE_SECONDS (default 8) later is killed.
set -u -m # -m: background jobs get their own process group

grace=${DEV_STOP_GRACE_SECONDS:-8}

"$@" &
group=$!

stop() {
  trap '' INT TERM
  kill -INT -- "-$group" 2>/dev/null
  # By the clock, not by a count of sleeps: on a busy machine each sleep takes longer.
  local deadline=$((SECONDS + grace))
  while ((SECONDS < deadline)); do
    kill -0 -- "-$group" 2>/dev/null || exit 130
    sleep 0.2
  done
  echo "dagster-dev.sh: still running ${grace} s after the stop signal: killed" >&2
  kill -KILL -- "-$group" 2>/dev/null
  exit 130
}
trap stop INT TERM

wait "$group"
