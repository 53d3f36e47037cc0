# One image for the three Dagster services of docker-compose.yml: the user-code gRPC server
# (which also runs every run, DefaultRunLauncher), the webserver and the daemon.
FROM python:3.11-slim-bookworm

# Spark 4 needs Java 17; procps gives Spark's launch scripts `ps`.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        openjdk-17-jre-headless procps \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/home \
    DAGSTER_STORAGE_DIR=/opt/dagster/storage \
    DAGSTER_COMPUTE_LOGS_DIR=/opt/dagster/storage/compute_logs \
    SPARKIFY_SOURCE=/data/raw \
    SPARKIFY_LAKE=/data/lake

WORKDIR /opt/dagster/app

COPY pyproject.toml README.md ./
COPY sparkify_dagster ./sparkify_dagster
# The generator, so `sparkify generate` works in the container too (the pipeline never imports it).
COPY sparkify_generator ./sparkify_generator
RUN pip install .
# The dbt warehouse's manifest (what its Dagster assets are made from), parsed once here as the
# package's owner: code servers and runs then load it without parsing the project.
RUN python -c "from sparkify_dagster.resources.warehouse import warehouse_project; warehouse_project()"
# Spark's class archive (README, Configuration), written once here: every run process starts its
# JVM from it, ~10 s sooner (~180 MB of image).
RUN sparkify class-archive

COPY deploy/dagster.yaml deploy/workspace.yaml ./deploy/

# A non-root user owns what the services write: storage (compute logs), the lake, and a working
# directory for scratch files (Spark's). Named volumes mounted on these paths start with this
# ownership; the code and the instance config stay root's.
RUN useradd --system --uid 10001 --user-group --home-dir /opt/dagster/work --shell /usr/sbin/nologin dagster \
    && mkdir -p "$DAGSTER_HOME" "$DAGSTER_COMPUTE_LOGS_DIR" "$SPARKIFY_SOURCE" "$SPARKIFY_LAKE" /opt/dagster/work \
    && cp deploy/dagster.yaml "$DAGSTER_HOME/dagster.yaml" \
    && chown -R dagster:dagster /opt/dagster/storage /opt/dagster/work /data
USER dagster
WORKDIR /opt/dagster/work

EXPOSE 3000 4000 8501
