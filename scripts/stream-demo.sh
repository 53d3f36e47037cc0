#!/usr/bin/env bash
# `make stream-demo`: a live Streamify stream into its own lake, minutes behind real time.
#
# Starts the local broker (Tansu, in memory), the generator sending today's events at their own
# time (it catches up from midnight, then runs live) with the matching song_data/, and Dagster
# (`dagster dev`) over a lake whose source is that broker, with automation on: the micro-batch
# schedule (every SPARKIFY_STREAM_INTERVAL_MINUTES), the stream_days sensor (each day a batch
# touched → the daily job, warehouse included) and the song-file sensor (the catalogue), its runs
# on a Spark Connect server started beside it (`sparkify spark-server`: no JVM start per run).
# Ctrl-C stops them all. Watch it in the UI, or `make dashboard LAKE=$STREAM_DEMO_DIR/lake`.
set -euo pipefail

bin=${BIN:-.venv/bin}
port=${BROKER_PORT:-9092}
dev_port=${DEV_PORT:-3000}
spark_port=${SPARK_SERVER_PORT:-15002}
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
"$bin/sparkify" spark-server --port "$spark_port" >"$dir/spark-server.log" 2>&1 &
children+=($!)
for _ in $(seq 600); do  # the JVM takes ~10-20 s
  grep -q "Spark Connect server on" "$dir/spark-server.log" && break
  kill -0 "${children[-1]}" 2>/dev/null || { cat "$dir/spark-server.log"; exit 1; }
  sleep 0.2
done
echo "Broker 127.0.0.1:$port (log $dir/broker.log); generator sending today's events live" \
  "(log $dir/generator.log); Spark on sc://127.0.0.1:$spark_port (log $dir/spark-server.log);" \
  "lake $dir/lake; Dagster on http://127.0.0.1:$dev_port"

scripts/dagster-dev.sh env DAGSTER_HOME="$dir/dagster_home" \
  SPARKIFY_SOURCE="kafka://127.0.0.1:$port" SPARKIFY_SONG_SOURCE="$dir/songs" \
  SPARKIFY_LAKE="$dir/lake" SPARKIFY_START_DATE="$(date -u +%F)" SPARKIFY_AUTOMATION=on \
  SPARKIFY_SPARK_REMOTE="sc://127.0.0.1:$spark_port" \
  PYTHONWARNINGS="${PYTHONWARNINGS:+$PYTHONWARNINGS,}ignore:Function "'`dev_command` is superseded' \
  "$bin/dagster" dev -h 127.0.0.1 -p "$dev_port"
