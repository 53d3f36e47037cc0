# Everything a new user needs: `make demo` generates a small raw lake and runs the pipeline on it,
# `make test` runs the whole test suite. Both create the virtualenv and check Java first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE ?= ../shared/fixtures/sparkify_sample
RAW ?= data/raw
LAKE ?= data/lake
# The demo's raw lake: a week of an eventsim-like service (same bytes every time).
DEMO_LAKE_ARGS ?= --days 7 --start 2018-11-05 --events-per-day 5000 --songs 500 --seed 42
DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: demo sample raw test install java chromium dev lint clean bench postgres compose

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

java:
	@scripts/ensure-java.sh

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
	$(BIN)/sparkify run --source "$(RAW)" --lake "$(LAKE)"
	$(BIN)/sparkify query --lake "$(LAKE)" "SELECT level, count(*) AS plays, count(song_id) AS matched, count(DISTINCT user_id) AS users FROM songplays GROUP BY level ORDER BY level"

# The same on the real Sparkify sample in ../shared (the correctness reference).
sample: install java
	@test -d "$(SAMPLE)" || { echo "No sample data at $(SAMPLE): set SAMPLE=/path/to/a/lake with song_data/ and log_data/"; exit 1; }
	$(BIN)/sparkify run --source "$(SAMPLE)" --lake data/sample_lake

test: install java chromium postgres compose
	$(BIN)/python -m pytest

# The Dagster UI and daemon on 127.0.0.1:3000, with run history kept in $(DAGSTER_HOME).
dev: install java $(RAW)/log_data
	@mkdir -p "$(DAGSTER_HOME)"
	@test -f "$(DAGSTER_HOME)/dagster.yaml" || cp deploy/dagster.dev.yaml "$(DAGSTER_HOME)/dagster.yaml"
	DAGSTER_HOME="$(DAGSTER_HOME)" SPARKIFY_SOURCE="$${SPARKIFY_SOURCE:-$(abspath $(RAW))}" \
	  SPARKIFY_LAKE="$${SPARKIFY_LAKE:-$(abspath $(LAKE))}" $(BIN)/dagster dev -h 127.0.0.1 -p 3000

# Every benchmark of benchmarks/README.md: prints a table, writes benchmarks/results/full.json and full.md.
bench: install java
	$(BIN)/python -m benchmarks

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf data .dagster_home
