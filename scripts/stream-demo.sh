#!/usr/bin/env bash
# `make stream-demo`: a live Streamify stream into its own lake, minutes behind real time.
#
# Starts the local broker (Tansu, in memory), the generator sending today's events at their own
# time (it catches up from midnight, then runs live) with the matching song_data/, and Dagster
# (`dagster dev`) over a lake whose source is that broker, with automation on: the micro-batch
# schedule (every SPARKIFY_STREAM_INTERVAL_MINUTES), the stream_days sensor (each day a batch
# touched → the daily job, warehouse included) and the song-file sensor (the catalogue). Ctrl-C
# stops all three. Watch it in the UI, or `make dashboard LAKE=$STREAM_DEMO_DIR/lake`.
set -euo pipefail

bin=${BIN:-.venv/bin}
port=${BROKER_PORT:-9092}
dev_port=${DEV_PORT:-3000}
dir=${STREAM_DEMO_DIR:-data/stream_demo}
events_per_day=${STREAM_DEMO_EVENTS_PER_DAY:-50000}
mkdir -p "$dir/dagster_home"
dir=$(cd "$dir" && pwd)
test -f "$dir/dagster_home/dagster.yaml" || cp deploy/dagster.dev.yaml "$dir/dagster_home/dagster.yaml"

children=()
trap 'kill "${children[@]}" 2>/dev/null || true' EXIT

"$bin/sparkify" broker --port "$port" >"$dir/broker.log" 2>&1 &
children+=($!)
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
"$bin/sparkify" generate --kafka "127.0.0.1:$port" --realtime --days 1 \
  --events-per-day "$events_per_day" --out "$dir/songs" >"$dir/generator.log" 2>&1 &
children+=($!)
echo "Broker 127.0.0.1:$port (log $dir/broker.log); generator sending today's events live" \
  "(log $dir/generator.log); lake $dir/lake; Dagster on http://127.0.0.1:$dev_port"

scripts/dagster-dev.sh env DAGSTER_HOME="$dir/dagster_home" \
  SPARKIFY_SOURCE="kafka://127.0.0.1:$port" SPARKIFY_SONG_SOURCE="$dir/songs" \
  SPARKIFY_LAKE="$dir/lake" SPARKIFY_START_DATE="$(date -u +%F)" SPARKIFY_AUTOMATION=on \
  PYTHONWARNINGS="${PYTHONWARNINGS:+$PYTHONWARNINGS,}ignore:Function "'`dev_command` is superseded' \
  "$bin/dagster" dev -h 127.0.0.1 -p "$dev_port"
