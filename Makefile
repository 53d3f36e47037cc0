# Everything a new user needs: `make demo` runs the pipeline on the bundled sample,
# `make test` runs the whole test suite. Both create the virtualenv and check Java first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE ?= ../shared/fixtures/sparkify_sample
LAKE ?= data/lake
DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: demo test install java dev lint clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

java:
	@scripts/ensure-java.sh

demo: install java
	@test -d "$(SAMPLE)" || { echo "No sample data at $(SAMPLE): set SAMPLE=/path/to/a/lake with song_data/ and log_data/"; exit 1; }
	$(BIN)/sparkify run --source "$(SAMPLE)" --lake "$(LAKE)"
	$(BIN)/sparkify query --lake "$(LAKE)" "SELECT level, count(*) AS plays, count(DISTINCT user_id) AS users FROM songplays GROUP BY level ORDER BY level"

test: install java
	$(BIN)/python -m pytest

# The Dagster UI and daemon on 127.0.0.1:3000, with run history kept in $(DAGSTER_HOME).
dev: install java
	@mkdir -p "$(DAGSTER_HOME)"
	@test -f "$(DAGSTER_HOME)/dagster.yaml" || cp deploy/dagster.dev.yaml "$(DAGSTER_HOME)/dagster.yaml"
	DAGSTER_HOME="$(DAGSTER_HOME)" SPARKIFY_SOURCE="$${SPARKIFY_SOURCE:-$(abspath $(SAMPLE))}" \
	  SPARKIFY_LAKE="$${SPARKIFY_LAKE:-$(abspath $(LAKE))}" $(BIN)/dagster dev -h 127.0.0.1 -p 3000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf data .dagster_home
