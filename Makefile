# Everything a new user needs: `make demo` generates a small raw lake and runs the pipeline on it,
# `make test` runs the whole test suite (`make test-fast` its fast tier). All create the virtualenv
# and check Java first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE ?= ../shared/fixtures/sparkify_sample
RAW ?= data/raw
LAKE ?= data/lake
# The demo's raw lake: the week of an eventsim-like service up to yesterday (UTC), so the UI's
# partitions look current (the same bytes for the same days).
DEMO_LAKE_ARGS ?= --days 7 --events-per-day 5000 --songs 500 --seed 42
# The demo's and the sample's days are small: Spark's JVM without its optimizing compiler and
# with the serial collector runs them about a quarter faster (README, Configuration).
SMALL_DAYS_JVM ?= -XX:TieredStopAtLevel=1 -XX:+UseSerialGC
DAGSTER_HOME ?= $(CURDIR)/.dagster_home
DEV_PORT ?= 3000

.PHONY: demo sample raw test test-fast install java class-archive chromium dev lint clean bench postgres compose broker stream-demo spark-server

# uv installs the project's packages (pip only installs uv): the same releases pip would pick,
# about three times as fast here (46 s against 137 s into a new virtualenv, with warm caches).
# --compile-bytecode: pip compiles what it installs, uv does not by default, and a Python that
# may not write its caches (PYTHONDONTWRITEBYTECODE, as on this machine) then compiles Dagster,
# dbt and PySpark again in every process: 10 s to load the code location instead of 5. The
# project's own packages are installed editable, so uv leaves them alone: compiled here too
# (~0.1 s of each of the hundreds of processes the tests start; an edited module is compiled
# again in memory until the next install).
# From uv's cache first (--offline): when it holds releases that satisfy pyproject.toml, no index
# is asked (2 s instead of 26 s here, where the package proxy answers every revalidation as
# modified); else, or on a new machine, from the index. Set UV_INSTALL_ONLINE=1 to go to the index
# anyway (newer releases than the cache's).
UV_INSTALL = $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e ".[dev]"
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	@if [ -z "$(UV_INSTALL_ONLINE)" ] && $(UV_INSTALL) --offline 2>/dev/null; then \
	  echo "Installed from uv's cache (UV_INSTALL_ONLINE=1 for the index)"; \
	else echo "Installing from the package index"; $(UV_INSTALL); fi
	$(BIN)/python -m compileall -q sparkify_dagster sparkify_generator benchmarks
	@touch $@

install: $(VENV)/.installed

java:
	@scripts/ensure-java.sh

# Spark's class archive (README, Configuration): written once per virtualenv, Java and PySpark
# (~1 min); every new Spark process after it starts faster. Not in `make demo`: one run would
# not repay it.
class-archive: install java
	@$(BIN)/sparkify class-archive

chromium:
	@scripts/ensure-chromium.sh

# The deployment tests: a real PostgreSQL server, and a Compose to check docker-compose.yml.
postgres:
	@scripts/ensure-postgres.sh

compose:
	@scripts/ensure-compose.sh

GENERATE_DEMO_LAKE = $(BIN)/sparkify generate --out "$(RAW)" $(DEMO_LAKE_ARGS) --overwrite

# Regenerated on every demo (cheap, and the same bytes); `make dev` only needs one to exist.
raw: install
	$(GENERATE_DEMO_LAKE)

$(RAW)/log_data: | install
	$(GENERATE_DEMO_LAKE)

demo: raw java
	SPARKIFY_SPARK_JAVA_OPTIONS="$${SPARKIFY_SPARK_JAVA_OPTIONS-$(SMALL_DAYS_JVM)}" $(BIN)/sparkify run --source "$(RAW)" --lake "$(LAKE)"
	$(BIN)/sparkify query --lake "$(LAKE)" "SELECT level, count(*) AS plays, count(song_id) AS matched, count(DISTINCT user_id) AS users FROM songplays GROUP BY level ORDER BY level"

# The same on the real Sparkify sample in ../shared (the correctness reference): November 2018.
sample: install java
	@test -d "$(SAMPLE)" || { echo "No sample data at $(SAMPLE): set SAMPLE=/path/to/a/lake with song_data/ and log_data/"; exit 1; }
	SPARKIFY_START_DATE=2018-11-01 SPARKIFY_SPARK_JAVA_OPTIONS="$${SPARKIFY_SPARK_JAVA_OPTIONS-$(SMALL_DAYS_JVM)}" \
	  $(BIN)/sparkify run --source "$(SAMPLE)" --lake data/sample_lake

# Two tiers (the `slow` marker, pyproject.toml): `test-fast` for the inner loop (unit and small
# Spark tests, no servers, no whole runs in new processes), `test` for everything (what CI runs).
# Both run in TEST_WORKERS processes (pytest-xdist): much of a test's time is waiting on a server
# or a child process, so on two cores three workers leave them idle 2 % of the time where two left
# them idle a quarter (README, Development). Tests that share a fixture stay in one worker
# (conftest.py); TEST_WORKERS=0 runs everything in this process.
TEST_WORKERS ?= 3
PYTEST = $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

test: install java class-archive chromium postgres compose
	$(PYTEST)

test-fast: install java class-archive
	$(PYTEST) -m "not slow"

# The first day with a log file under a raw lake directory (empty if none, e.g. for s3://).
FIRST_LOG_DAY = $(BIN)/python -c 'import sys; from sparkify_dagster.layout import list_log_files; \
  days = list_log_files(sys.argv[1]).days; print(days[0] if days else "")'

# The Dagster UI and daemon on 127.0.0.1:$(DEV_PORT), with run history kept in $(DAGSTER_HOME).
# The daily partitions start at the raw lake's first day unless SPARKIFY_START_DATE is set.
# Ctrl-C or a `kill` of make stops it all within 8 s (scripts/dagster-dev.sh; `exec`, so make
# passes SIGTERM straight to that script). Dagster's notice that `dg dev` supersedes `dagster dev`
# is hidden: this project does not use the dg CLI.
dev: install java class-archive $(RAW)/log_data
	@mkdir -p "$(DAGSTER_HOME)"
	@test -f "$(DAGSTER_HOME)/dagster.yaml" || cp deploy/dagster.dev.yaml "$(DAGSTER_HOME)/dagster.yaml"
	source="$${SPARKIFY_SOURCE:-$(abspath $(RAW))}"; \
	start="$${SPARKIFY_START_DATE:-$$($(FIRST_LOG_DAY) "$$source")}"; \
	exec scripts/dagster-dev.sh env DAGSTER_HOME="$(DAGSTER_HOME)" SPARKIFY_SOURCE="$$source" SPARKIFY_START_DATE="$$start" \
	  SPARKIFY_LAKE="$${SPARKIFY_LAKE:-$(abspath $(LAKE))}" \
	  PYTHONWARNINGS="$${PYTHONWARNINGS:+$$PYTHONWARNINGS,}ignore:Function "'`dev_command` is superseded' \
	  $(BIN)/dagster dev -h 127.0.0.1 -p $(DEV_PORT)

# The dashboard on http://127.0.0.1:$(DASHBOARD_PORT) over $(LAKE)'s warehouse (after `make demo`
# or `make sample LAKE=data/sample_lake`); Ctrl-C stops it.
DASHBOARD_PORT ?= 8501
.PHONY: dashboard
dashboard: install
	exec $(BIN)/sparkify dashboard --lake "$(LAKE)" --port $(DASHBOARD_PORT)

# Every benchmark of benchmarks/README.md: prints a table, writes benchmarks/results/full.json and full.md.
bench: install java class-archive
	$(BIN)/python -m benchmarks

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf data .dagster_home

# ---- Streaming -----------------------------------------------------------------------------------
BROKER_PORT ?= 9092

# A local Kafka-compatible broker (Tansu, in memory) on 127.0.0.1:$(BROKER_PORT) until Ctrl-C.
broker: install
	$(BIN)/sparkify broker --port $(BROKER_PORT)

# A long-lived Spark that runs share (README, Configuration): runs with
# SPARKIFY_SPARK_REMOTE=sc://127.0.0.1:$(SPARK_SERVER_PORT) use it instead of starting a JVM.
SPARK_SERVER_PORT ?= 15002
spark-server: install java class-archive
	exec $(BIN)/sparkify spark-server --port $(SPARK_SERVER_PORT)

# A live stream: the broker, a paced generator (today's events at their own time), a Spark Connect
# server and Dagster with the micro-batch schedule and the stream_days sensor on, its runs on that
# server, over data/stream_demo (scripts/stream-demo.sh).
stream-demo: install java class-archive
	BIN="$(BIN)" BROKER_PORT=$(BROKER_PORT) DEV_PORT=$(DEV_PORT) SPARK_SERVER_PORT=$(SPARK_SERVER_PORT) exec scripts/stream-demo.sh
