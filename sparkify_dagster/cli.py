"""`sparkify`: the headless entry point for people and scripts.

sparkify generate --out DIR|s3://bucket/prefix [--days N --events-per-day N ...]
sparkify run --source DIR --lake DIR [--start YYYY-MM-DD --end YYYY-MM-DD]
sparkify query "SELECT count(*) FROM songplays" [--lake DIR]
sparkify dbt build|test|docs generate|... [dbt's own options]
sparkify dashboard [--lake DIR] [--port 8501]
sparkify broker [--port 9092] [--storage memory://tansu/]
sparkify ingest [--kafka HOST:PORT] [--lake DIR] [--skip-deleted]
sparkify pools
"""

import logging
import os
import shutil
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click

from sparkify_dagster import DISTRIBUTION
from sparkify_dagster.layout import LOG_DATA, LOG_FILE_FORM, SONG_DATA, list_log_files
from sparkify_dagster.local_server import LocalServer
from sparkify_dagster.settings import (
    KAFKA_BOOTSTRAP_SERVERS,
    LAKE,
    S3_ENDPOINT_URL,
    SONG_SOURCE,
    SOURCE,
    SPARK_REMOTE,
    Settings,
    SettingsError,
    kafka_source_servers,
)
from sparkify_dagster.spark_connect import DEFAULT_PORT as SPARK_SERVER_PORT
from sparkify_dagster.tables import ALL_TABLES


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date in YYYY-MM-DD form", param_hint=option
        ) from None


def _days_to_run(source: Path, start: date | None, end: date | None) -> tuple[date, date]:
    """The run's range: as given, or every day that has a log file in the source.

    A range given with no log file in it stops here, before Spark or Dagster start: it would
    only write empty partitions. Scheduled and sensor runs keep empty days (with a warning).
    """
    found = list_log_files(source)
    for path, reason in found.skipped.items():
        click.echo(f"warning: skipping {path}: {reason}", err=True)
    if not found.days:
        raise click.ClickException(f"No {LOG_FILE_FORM} files under {source}/{LOG_DATA}")
    if start is None:
        start = min(found.days[0], end or found.days[0])
    if end is None:
        end = max(found.days[-1], start)
    if start > end:
        raise click.ClickException(f"--start {start} is after --end {end}")
    with_files = [d for d in found.days if start <= d <= end]
    if not with_files:
        raise click.ClickException(
            f"no log file for {start} … {end}; log files exist for "
            f"{found.days[0]} … {found.days[-1]} ({len(found.days)} days)"
        )
    if len(with_files) < (end - start).days + 1:
        click.echo(
            f"warning: no log file for {(end - start).days + 1 - len(with_files)} day(s) in "
            f"{start} … {end}; those days get empty partitions",
            err=True,
        )
    return start, end


def _failure_cause(error) -> str:
    """The innermost error of a Dagster failure, in at most two lines.

    Dagster wraps what a step raised ("Error occurred while executing op …:"); a step's own
    failure (StepFailed) already holds its cause in words, other errors keep their type.
    """
    from sparkify_dagster.errors import StepFailed

    while error.cause is not None:
        error = error.cause
    text = error.message.strip()
    raised_as, _, said = text.partition(": ")
    if raised_as.rsplit(".", 1)[-1] == error.cls_name:
        text = said if error.cls_name == StepFailed.__name__ else f"{error.cls_name}: {said}"
    return "\n".join(text.splitlines()[:2])


class _CompactConsole(logging.Handler):
    """One short line per progress message or failure, instead of Dagster's full event lines."""

    def __init__(self) -> None:
        super().__init__()
        self._causes_shown: set[tuple[str | None, str]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        is_failure = event is not None and event.is_failure
        if event is not None and not is_failure:
            return
        step = meta.get("step_key") or "run"
        message = meta.get("orig_message") or record.getMessage()
        error = getattr(event.event_specific_data, "error", None) if is_failure else None
        cause = _failure_cause(error) if error is not None else None
        shown = (meta.get("run_id"), cause)
        if cause is not None and shown not in self._causes_shown:
            # The run's failure repeats its step's: the cause is shown once, by the step.
            self._causes_shown.add(shown)
            message = f"failed: {cause}"
        stamp = time.strftime("%H:%M:%S")
        indent = " " * len(f"{stamp}  {step:<18} ")
        message = message.replace("\n", "\n" + indent)
        click.echo(f"{stamp}  {step:<18} {message}", err=record.levelno >= logging.WARNING)


def _compact_logger():
    import dagster as dg

    @dg.logger(description="Compact progress lines for the sparkify CLI.")
    def compact_console(_init_context):
        log = logging.getLogger("sparkify.cli")
        log.setLevel(logging.INFO)
        log.propagate = False
        if not log.handlers:
            log.addHandler(_CompactConsole())
        return log

    return compact_console


# How long the table summary after a run waits for another run's step on the lake.
SUMMARY_WAIT_S = 120

lake_option = click.option(
    "--lake",
    default=lambda: LAKE.value(),
    show_default=LAKE.default_text,
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Output lake directory. [env {LAKE.name}]",
)


@click.group()
@click.version_option(package_name=DISTRIBUTION)
def main() -> None:
    """Sparkify's data lake to star schema, on Dagster and PySpark."""


@main.command()
@click.option(
    "--source",
    default=lambda: SOURCE.given(),
    required=True,
    help=f"Raw lake: a directory with song_data/ and log_data/; or kafka://HOST:PORT, events "
    f"from Kafka (with --songs, --start). [env {SOURCE.name}]",
)
@click.option(
    "--songs",
    default=lambda: SONG_SOURCE.given(),
    type=click.Path(file_okay=False, path_type=Path),
    help=f"With a kafka:// source: the directory with song_data/. [env {SONG_SOURCE.name}]",
)
@lake_option
@click.option(
    "--start",
    help="First UTC day (YYYY-MM-DD). Default: the first day with a log file. "
    "A range without any log file is refused.",
)
@click.option("--end", help="Last UTC day (YYYY-MM-DD). Default: the last day with a log file.")
def run(source: str, songs: Path | None, lake: Path, start: str | None, end: str | None) -> None:
    """Materialize every asset for a range of days, as one Dagster run, and summarise the tables.
    With a kafka:// source the run first lands what is new in the topics (one micro-batch)."""
    configured = _settings()
    lake = lake.expanduser().resolve()
    if kafka_source_servers(source):
        source, songs, first, last = _stream_run_inputs(source, songs, start, end)
    else:
        source = Path(source).expanduser().resolve()
        for required in (SONG_DATA, LOG_DATA):
            if not (source / required).is_dir():
                raise click.ClickException(
                    f"{source} has no {required}/ directory: is it a Sparkify lake?"
                )
        first, last = _days_to_run(source, _parse_day(start, "--start"), _parse_day(end, "--end"))
    if last > date.today() + timedelta(days=1):
        raise click.ClickException(
            f"--end {last} is in the future: there is no partition for it yet"
        )

    import dagster as dg

    from sparkify_dagster.definitions import build_definitions
    from sparkify_dagster.partitions import each_day
    from sparkify_dagster.resources.spark import sessions_started

    settings = replace(
        configured,
        source=str(source),
        song_source=str(songs) if songs else configured.song_source,
        lake=str(lake),
        # Partitions must cover the data: the daily partitions start at its first day or before.
        start_date=first if configured.start_date is None else min(configured.start_date, first),
    )
    defs = build_definitions(settings, loggers={"compact_console": _compact_logger()})
    count = len(each_day(first, last))
    click.echo(
        f"Materializing {first} … {last} ({count} day{'s' if count > 1 else ''}) from {source}"
    )
    click.echo(f"Lake: {lake}")
    # The instance is closed here, in this thread: left to the garbage collector, its SQLite
    # connections would be closed by whichever thread collects them, which SQLite refuses.
    instance = (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else dg.DagsterInstance.ephemeral()
    )
    started = time.monotonic()
    # One run for the whole range (the single-run backfill path): one SparkSession, one read.
    with instance:
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": first.isoformat(),
                "dagster/asset_partition_range_end": last.isoformat(),
            },
            run_config={"loggers": {"compact_console": {}}},
            raise_on_error=False,
        )
    elapsed = time.monotonic() - started
    if not result.success:
        # The failed step's cause is in the messages above; tables may be half-written, so no
        # summary of them. A failed blocking check is a cause: checks are listed if one failed.
        if any(not e.passed for e in result.get_asset_check_evaluations()):
            _print_checks(result)
        failed = sorted({e.step_key for e in result.get_step_failure_events()})
        raise click.ClickException(
            f"run {result.run_id} failed after {elapsed:.1f} s"
            f"{' in ' + ', '.join(failed) if failed else ''}: see the messages above"
        )
    _print_summary(settings, lake, result, elapsed, sessions_started())


def _stream_run_inputs(
    source: str, songs: Path | None, start: str | None, end: str | None
) -> tuple[str, Path, date, date]:
    """A kafka:// run's source, song directory and days: the days are given (what the raw zone
    will hold is only known once the run has read the topics)."""
    if songs is None or not (songs.expanduser() / SONG_DATA).is_dir():
        raise click.ClickException(
            f"With a kafka:// source, --songs (or {SONG_SOURCE.name}) must be a directory "
            f"with {SONG_DATA}/"
        )
    first = _parse_day(start, "--start")
    if first is None:
        raise click.ClickException(
            "With a kafka:// source, give --start (and --end): the days to clean from the raw zone"
        )
    last = _parse_day(end, "--end") or first
    if first > last:
        raise click.ClickException(f"--start {first} is after --end {last}")
    return source, songs.expanduser().resolve(), first, last


def _print_warehouse(settings: Settings) -> None:
    """Each model of the warehouse's read copy with its rows (the copy the last build published:
    no lock needed, a build running now replaces it whole)."""
    import duckdb

    from sparkify_dagster.dbt_project import read_copy_of

    read_copy = read_copy_of(settings)
    if read_copy is None or not read_copy.is_file():
        return
    click.echo("")
    click.echo(f"{'warehouse model':<32}{'rows':>12}  {read_copy}")
    with duckdb.connect(str(read_copy), read_only=True) as con:
        relations = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "ORDER BY table_schema, table_name"
        ).fetchall()
        for schema, name in relations:
            rows = con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0]
            click.echo(f"{name:<32}{rows:>12,}")


def _print_summary(
    settings: Settings, lake: Path, result, elapsed: float, spark_sessions: int
) -> None:
    from sparkify_dagster.lake_lock import LakeBusyError, lake_lock
    from sparkify_dagster.storage import ParquetLake

    tables = ParquetLake(lake)
    click.echo("")
    try:
        # Another run on the lake may be swapping a table: count rows between its steps.
        with lake_lock(
            str(lake), result.run_id, logging.getLogger("sparkify.cli"), timeout_s=SUMMARY_WAIT_S
        ):
            click.echo(f"{'table':<26}{'rows':>12}  {'days':>5}  path")
            for table in ALL_TABLES:
                if not tables.exists(table):
                    continue
                path = tables.path(table)
                days = len(tables.files.child_dirs(path)) if table.daily else "-"
                click.echo(f"{table.name:<26}{tables.row_count(table):>12,}  {days:>5}  {path}")
    except LakeBusyError as busy:
        click.echo(f"No table summary: {busy}")
    _print_warehouse(settings)
    click.echo("")
    _print_checks(result)
    click.echo(f"Run {result.run_id} succeeded in {elapsed:.1f} s")
    click.echo(f"Spark sessions started: {spark_sessions}")
    click.echo(
        f'Query the tables: {_this_command()} query --lake {lake} "SELECT count(*) FROM songplays"'
    )


def _print_checks(result) -> None:
    """How many checks passed, and each failed one with what it found (its description)."""
    evaluations = result.get_asset_check_evaluations()
    failed = [e for e in evaluations if not e.passed]
    click.echo(f"Checks: {len(evaluations) - len(failed)} of {len(evaluations)} passed")
    for e in failed:
        click.echo(f"  {e.severity.value:<5} {e.asset_key.to_user_string()}.{e.check_name}")
        for line in (e.description or "").splitlines():
            click.echo(f"        {line}")


def _this_command() -> str:
    """How to run `sparkify` from the current directory: `sparkify` when that is on PATH,
    else the script's path (`.venv/bin/sparkify` after `make demo`, whose venv is not active)."""
    invoked = Path(sys.argv[0])
    script = invoked if invoked.name == "sparkify" else Path(sys.executable).parent / "sparkify"
    if not script.is_file():
        return f"{sys.executable} -m sparkify_dagster.cli"
    on_path = shutil.which("sparkify")
    if on_path and Path(on_path).resolve() == script.resolve():
        return "sparkify"
    relative = os.path.relpath(script.absolute())
    return relative if not relative.startswith("..") else str(script.absolute())


def _generating(call, *args, **kwargs):
    """Calls into the generator, turning storage errors into one clear line."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call(*args, **kwargs)
    except (BotoCoreError, ClientError) as error:
        raise click.ClickException(f"S3: {error}") from None
    except (OSError, RuntimeError, ValueError) as error:
        raise click.ClickException(str(error)) from None


def _empty_sink(out: str, endpoint_url: str | None, overwrite: bool):
    """The generator's sink at `out`, emptied of a lake already there only with --overwrite."""
    from sparkify_generator import open_sink

    sink = _generating(open_sink, out, endpoint_url=endpoint_url)
    if _generating(sink.holds_a_lake):
        if not overwrite:
            raise click.ClickException(
                f"{sink.describe()} already holds song_data/ or log_data/: "
                "pass --overwrite to replace them"
            )
        _generating(sink.clear)
    return sink


def _days_ending_yesterday(days: int) -> date:
    """The first of `days` days that end yesterday (UTC): a fresh lake looks alive in the UI."""
    return datetime.now(UTC).date() - timedelta(days=days)


@main.command()
@click.option(
    "--out",
    help="Where to write the raw lake: a directory or s3://bucket/prefix (with --kafka: "
    "song_data/ only, when given).",
)
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--start",
    help="First UTC day (YYYY-MM-DD). Default: the one that makes the last day yesterday (UTC).",
)
@click.option(
    "--events-per-day",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Average events per day (weekends are quieter, weekdays busier).",
)
@click.option(
    "--songs",
    default=1_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Songs written to song_data/ (one file each).",
)
@click.option("--seed", default=42, show_default=True, type=int)
@click.option(
    "--users",
    type=click.IntRange(min=1),
    help="Population size. Default: events per day / 3, as in eventsim.",
)
@click.option(
    "--bad-line-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1, max_open=True),
    help="Share of lines followed by a damaged copy (truncated, blank, wrong type, ...).",
)
@click.option(
    "--absent-song-share",
    default=0.1,
    show_default=True,
    type=click.FloatRange(0, 1, max_open=True),
    help="Share of the played catalogue missing from song_data/ (plays that cannot match).",
)
@click.option(
    "--log-quirks/--no-log-quirks",
    default=True,
    show_default=True,
    help="Reproduce the real logs' double-encoded UTF-8 and quoted user agents.",
)
@click.option(
    "--endpoint-url",
    default=lambda: S3_ENDPOINT_URL.given(),
    help=f"S3 API endpoint for s3:// output (e.g. a moto server). [env {S3_ENDPOINT_URL.name}]",
)
@click.option("--overwrite", is_flag=True, help="Replace song_data/ and log_data/ already there.")
@click.option(
    "--kafka",
    metavar="HOST:PORT",
    help="Send the events as Streamify messages to this Kafka's topics instead of writing "
    "log_data/ (security options from the settings).",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    help="With --kafka: at most this many events a second (default: as fast as possible).",
)
@click.option(
    "--realtime",
    is_flag=True,
    help="With --kafka: send each event at its own time (past ones at once); --start "
    "defaults to today, so the stream catches up, then runs live.",
)
@click.option(
    "--partitions",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="With --kafka: partitions of the topics it creates.",
)
def generate(
    out: str | None,
    days: int,
    start: str | None,
    events_per_day: int,
    songs: int,
    seed: int,
    users: int | None,
    bad_line_rate: float,
    absent_song_share: float,
    log_quirks: bool,
    endpoint_url: str | None,
    overwrite: bool,
    kafka: str | None,
    rate: float | None,
    realtime: bool,
    partitions: int,
) -> None:
    """Write an eventsim-like raw lake: song_data/ and one log_data/ file a day; or send its
    events to Kafka as Streamify messages (--kafka)."""
    from sparkify_generator import generate_lake
    from sparkify_generator.lake import windows_per_day

    if kafka:
        if bad_line_rate:
            raise click.UsageError("--bad-line-rate damages log lines: not with --kafka")
        first = _parse_day(start, "--start") or (
            datetime.now(UTC).date() if realtime else _days_ending_yesterday(days)
        )
        _generate_to_kafka(
            kafka,
            out,
            endpoint_url,
            overwrite,
            rate,
            realtime,
            partitions,
            start=first,
            days=days,
            events_per_day=events_per_day,
            songs=songs,
            seed=seed,
            users=users,
            absent_song_share=absent_song_share,
            log_quirks=log_quirks,
        )
        return
    if rate or realtime:
        raise click.UsageError("--rate and --realtime pace a stream: use them with --kafka")
    if not out:
        raise click.UsageError("Missing option '--out' (or --kafka HOST:PORT).")
    first = _parse_day(start, "--start") or _days_ending_yesterday(days)
    sink = _empty_sink(out, endpoint_url, overwrite)
    click.echo(
        f"Generating {days} day(s) from {first}, ~{events_per_day:,} events a day, "
        f"{songs:,} songs, seed {seed} → {sink.describe()}"
    )
    written = 0

    def shown(_step) -> str:
        return f"{written:,} events"

    started = time.monotonic()
    with click.progressbar(
        length=days * windows_per_day(events_per_day),
        label="Generating",
        item_show_func=shown,
        file=sys.stderr,
    ) as bar:

        def on_window(events: int) -> None:
            nonlocal written
            written += events
            bar.update(1)

        summary = _generating(
            generate_lake,
            sink,
            start=first,
            days=days,
            events_per_day=events_per_day,
            songs=songs,
            seed=seed,
            users=users,
            bad_line_rate=bad_line_rate,
            absent_song_share=absent_song_share,
            log_quirks=log_quirks,
            on_window=on_window,
        )
    elapsed = time.monotonic() - started
    pages = summary.pages
    click.echo(
        f"Wrote {summary.events:,} events ({summary.events / max(elapsed, 1e-9):,.0f}/s) in "
        f"{len(summary.days)} log files and {summary.songs_listed:,} song files in {elapsed:.1f} s"
    )
    click.echo(
        f"Users {summary.users:,}; plays {summary.listens:,} "
        f"({pages['NextSong'] / max(summary.events, 1):.1%} of events), "
        f"{summary.listens_of_listed_songs:,} of them of songs in song_data/"
    )
    if summary.damaged_lines:
        kinds = ", ".join(f"{k} {n:,}" for k, n in sorted(summary.damaged_by_kind.items()))
        click.echo(f"Damaged lines added: {summary.damaged_lines:,} ({kinds})")


def _generate_to_kafka(
    bootstrap_servers: str,
    out: str | None,
    endpoint_url: str | None,
    overwrite: bool,
    rate: float | None,
    realtime: bool,
    partitions: int,
    **world_args,
) -> None:
    """`generate --kafka`: the world's song_data/ to --out (if given), its events to Kafka."""
    from sparkify_dagster.streaming.kafka import KafkaError
    from sparkify_generator.lake import make_world, windows_per_day
    from sparkify_generator.streamify import Pacer, produce_world

    world = _generating(make_world, **world_args)
    if out:
        sink = _empty_sink(out, endpoint_url, overwrite)
        _generating(sink.write_text_files, world.catalogue.song_files)
    try:
        config = _settings().kafka_client_config(bootstrap_servers)
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    pacing = f", {rate:g} events/s at most" if rate else ""
    pacing += ", each at its own time" if realtime else ""
    click.echo(
        f"Sending {world.days} day(s) from {world.start}, ~{world.events_per_day:,} events a "
        f"day, seed {world_args['seed']} → Kafka {bootstrap_servers}{pacing}"
    )
    started = time.monotonic()
    with click.progressbar(
        length=world.days * windows_per_day(world.events_per_day), label="Sending", file=sys.stderr
    ) as bar:
        try:
            summary = produce_world(
                world,
                config,
                partitions=partitions,
                pacer=Pacer(rate=rate, realtime=realtime) if rate or realtime else None,
                on_window=lambda _events: bar.update(1),
            )
        except KafkaError as error:
            raise click.ClickException(str(error)) from None
    elapsed = time.monotonic() - started
    topics = ", ".join(f"{t} {n:,}" for t, n in sorted(summary.messages_by_topic.items()))
    click.echo(
        f"Sent {summary.events:,} events ({summary.events / max(elapsed, 1e-9):,.0f}/s) in "
        f"{elapsed:.1f} s: {topics}"
    )


def _read_copy(lake: Path) -> Path | None:
    """The warehouse read copy of `lake` (Settings.warehouse, or the lake's own), if any."""
    from sparkify_dagster.dbt_project import read_copy_of

    return read_copy_of(replace(_settings(), lake=str(lake)))


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.argument("sql")
@lake_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
def query(sql: str, lake: Path, as_csv: bool) -> None:
    """Run read-only SQL over the lake with DuckDB; each table is a view by its name (e.g.
    songplays), daily tables with their `date` column. No file outside the lake's tables can be
    read, and none written."""
    import csv

    import duckdb

    from sparkify_dagster.query import (
        LakeReadError,
        available_tables,
        connect,
        models_reading_files,
        run_query,
    )

    if not lake.is_dir():
        raise click.ClickException(f"No lake at {lake}: run `sparkify run` first")
    try:
        con = connect(lake, _read_copy(lake))
    except LakeReadError as error:
        raise click.ClickException(str(error)) from None
    try:
        relation = run_query(con, sql)
        if relation is None:
            return
        if as_csv:
            rows = relation.fetchall()
            writer = csv.writer(sys.stdout)
            writer.writerow(relation.columns)
            writer.writerows(rows)
        else:
            relation.show(max_rows=100, max_width=200)
    except duckdb.PermissionException as error:
        raise click.ClickException(
            f"refused: sparkify query is read-only and reads only the lake's tables; "
            f"it writes nothing and opens no file, directory or URL elsewhere ({error})"
        ) from None
    except duckdb.CatalogException as error:
        names = ", ".join(available_tables(con)) or "none"
        left_out = models_reading_files(con)
        note = (
            f"\nNot here (dbt views over files outside this lake's tables; query their lake "
            f"tables, or run `sparkify dbt run --select staging` on this lake): "
            f"{', '.join(left_out)}"
            if left_out
            else ""
        )
        raise click.ClickException(f"{error}\nTables in {lake}: {names}{note}") from None
    except duckdb.Error as error:  # e.g. a damaged parquet file, named in the message
        raise click.ClickException(str(error)) from None


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.option(
    "--lake",
    default=lambda: LAKE.value(),
    show_default=LAKE.default_text,
    help=f"The lake whose warehouse dbt builds. [env {LAKE.name}]",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def dbt(lake: str, args: tuple[str, ...]) -> None:
    """Run dbt on the warehouse: the project, profile, lake and DuckDB file from the settings
    (e.g. `sparkify dbt build --event-time-start 2018-11-05 --event-time-end 2018-11-06`,
    `sparkify dbt docs generate`). Holds the lake lock while dbt runs, and publishes the read
    copy after a command that succeeded."""
    import subprocess

    from sparkify_dagster.dbt_project import Warehouse, WarehouseUnavailable, dbt_command
    from sparkify_dagster.lake_lock import LakeBusyError, lake_lock

    settings = replace(_settings(), lake=lake)
    try:
        warehouse = Warehouse.from_settings(settings)
    except WarehouseUnavailable as error:
        raise click.ClickException(str(error)) from None
    if not args:
        click.echo(click.get_current_context().get_help())
        return
    warehouse.prepare()
    command, env = dbt_command(warehouse, list(args))
    try:
        with lake_lock(
            str(warehouse.lake),
            f"sparkify dbt {' '.join(args[:1])}".strip(),
            _EchoLog(),
            timeout_s=settings.lake_lock_timeout_minutes * 60,
        ):
            code = subprocess.run(command, env=env, check=False).returncode
            if code == 0 and warehouse.file.is_file():
                warehouse.publish_read_copy()
    except LakeBusyError as busy:
        raise click.ClickException(str(busy)) from None
    sys.exit(code)


@main.command()
@lake_option
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on: 0.0.0.0 only in a container whose port is published on the "
    "host's 127.0.0.1 (docker-compose.yml).",
)
def dashboard(lake: Path, port: int, host: str) -> None:
    """Serve the dashboard on http://127.0.0.1:PORT, reading the warehouse's read copy of the
    lake read-only (Streamlit, as a child process); Ctrl-C stops it."""
    import signal
    import subprocess

    from sparkify_dagster.dashboard import APP

    lake = lake.expanduser().resolve()
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    env = {**os.environ, LAKE.name: str(lake)}
    read_copy = _read_copy(lake)
    click.echo(f"Dashboard on http://{host}:{port} over {read_copy or lake}; Ctrl-C stops it")
    child = subprocess.Popen(command, env=env)
    try:
        code = child.wait()
    except KeyboardInterrupt:  # the child got the terminal's SIGINT too
        code = 0
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    sys.exit(code)


@main.command("class-archive")
@click.option("--replace", is_flag=True, help="Write it again, even if it exists.")
def class_archive(replace: bool) -> None:
    """Write the class archive that Spark's driver JVM starts from (Java's AppCDS), once per
    Java and PySpark: each new run process then starts ~10 s sooner (`make test`, `make dev` run this)."""
    from sparkify_dagster.resources.spark import (
        JavaNotFoundError,
        SparkResource,
        class_archive_file,
    )

    try:
        archive = class_archive_file()
        if archive.is_file() and not replace:
            click.echo(f"Spark's class archive is there: {archive}")
            return
        click.echo("Writing Spark's class archive …")
        started = time.monotonic()
        # Local Spark whatever the master setting: the driver's classes are the same, and the
        # archive is then written without a cluster.
        java_options = _settings().spark_java_options or ""
        SparkResource(java_options=java_options).write_class_archive()
    except (JavaNotFoundError, OSError, RuntimeError) as error:
        raise click.ClickException(f"class archive: {error}") from None
    size_mb = archive.stat().st_size / 1e6
    click.echo(f"Wrote {archive} ({size_mb:,.0f} MB) in {time.monotonic() - started:.0f} s")


@main.command()
def pools() -> None:
    """Set the limit of each concurrency pool the assets use to the Dagster instance's default
    (dagster.yaml concurrency.pools.default_limit), explicitly: on PostgreSQL, Dagster 1.13
    fails a run that gives a pool its default limit as another run does (the deployment's
    `pools` service runs this before the code server starts)."""
    import dagster as dg

    from sparkify_dagster.definitions import build_definitions
    from sparkify_dagster.pools import asset_pools, set_pool_limits

    names = asset_pools(build_definitions(_settings()).assets)
    try:
        instance = dg.DagsterInstance.get()
    except dg.DagsterError as error:  # no DAGSTER_HOME, or no instance it can load
        raise click.ClickException(f"pools: {str(error).splitlines()[0].strip()}") from None
    with instance:
        limits = set_pool_limits(instance, names)
    if not limits:
        click.echo(f"The instance sets no default pool limit: {', '.join(sorted(names))} unlimited")
    for pool, limit in limits.items():
        click.echo(f"Pool {pool}: {limit} slot(s)")


@main.command(
    "spark-server",
    help="Run a long-lived Spark (a Spark Connect server) on 127.0.0.1 until Ctrl-C. Runs whose "
    f"{SPARK_REMOTE.name} points at it use its warm Spark instead of starting their own: a "
    "small day's run or a stream micro-batch no longer pays a JVM start and cold Spark.",
)
@click.option("--port", default=SPARK_SERVER_PORT, show_default=True, type=click.IntRange(1, 65535))
def spark_server(port: int) -> None:
    from sparkify_dagster.resources.spark import JavaNotFoundError, SparkResource, require_java
    from sparkify_dagster.spark_connect import SparkConnectServer, SparkServerError

    settings = _settings()
    local = replace(settings, spark_remote=None)
    try:
        require_java()
        server = SparkConnectServer(SparkResource.from_settings(local).session_config(), port)
        click.echo(f"Starting Spark ({settings.spark_master}) behind Spark Connect …")
        server.start()
    except (JavaNotFoundError, SparkServerError) as error:
        raise click.ClickException(str(error)) from None
    _serve_until_stopped(
        server,
        f"Spark Connect server on {server.url}; Ctrl-C stops it. Runs use it with "
        f"{SPARK_REMOTE.name}={server.url}",
    )


def _serve_until_stopped(server: LocalServer, started: str) -> None:
    """Says `started`, then keeps the server until Ctrl-C or SIGTERM (make, a process manager)
    and stops it; a server that exits by itself with an error fails the command."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    click.echo(started)
    try:
        code = server.wait()
    except KeyboardInterrupt:
        code = 0
    finally:
        server.stop()
    if code:
        raise click.ClickException(f"{server.name} exited with code {code}")


class _EchoLog:
    """The lake lock's wait messages on stderr."""

    def info(self, msg: str) -> None:
        click.echo(msg, err=True)

    warning = info


# ---- Streaming: the local broker -----------------------------------------------------------------


@main.command()
@click.option("--port", default=9092, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--storage",
    default="memory://tansu/",
    show_default=True,
    help="Tansu's storage: memory:// (gone when the broker stops) or s3://BUCKET/ (kept; "
    "AWS_ENDPOINT etc. for a local S3 API). This Tansu build cannot store in a directory.",
)
def broker(port: int, storage: str) -> None:
    """Run a local Kafka-compatible broker (Tansu) on 127.0.0.1 until Ctrl-C: for development,
    tests and demos; production points the settings' Kafka bootstrap servers at any Kafka."""
    from sparkify_dagster.streaming.broker import BrokerError, LocalBroker

    local = LocalBroker(port, storage)
    try:
        local.start()
    except BrokerError as error:
        raise click.ClickException(str(error)) from None
    _serve_until_stopped(
        local,
        f"Kafka-compatible broker (Tansu) on {local.bootstrap_servers}, storage {storage}; "
        f"Ctrl-C stops it. Clients: --kafka {local.bootstrap_servers} or "
        f"{KAFKA_BOOTSTRAP_SERVERS.name}={local.bootstrap_servers}",
    )


@main.command()
@lake_option
@click.option(
    "--kafka",
    metavar="HOST:PORT",
    default=lambda: KAFKA_BOOTSTRAP_SERVERS.given(),
    help=f"The Kafka to read. [env {KAFKA_BOOTSTRAP_SERVERS.name}]",
)
@click.option(
    "--skip-deleted",
    is_flag=True,
    help="Messages the topics' retention deleted before they were read: skip them (each "
    "topic's skipped offsets are printed). Default: fail naming them.",
)
def ingest(lake: Path, kafka: str | None, skip_deleted: bool) -> None:
    """Land every new message of the Kafka topics in the lake's raw zone, once: one Spark
    Structured Streaming micro-batch per topic (availableNow), checkpointed in the lake."""
    from sparkify_dagster.lake_lock import LakeBusyError, lake_lock
    from sparkify_dagster.resources.spark import SparkResource
    from sparkify_dagster.streaming.ingest import (
        SKIPPED_OFFSETS_ARE,
        IngestError,
        ingest_raw,
        raw_path,
    )

    settings = replace(_settings(), lake=str(lake))
    try:
        config = settings.kafka_client_config(kafka)
    except SettingsError as error:
        raise click.ClickException(f"{error} (or pass --kafka HOST:PORT)") from None
    started = time.monotonic()
    spark = SparkResource.from_settings(settings).get_session()
    try:
        with lake_lock(
            str(lake),
            "sparkify ingest",
            _EchoLog(),
            timeout_s=settings.lake_lock_timeout_minutes * 60,
        ):
            reports = ingest_raw(
                spark,
                str(lake),
                settings.kafka_topics,
                config,
                fail_on_data_loss=not skip_deleted,
            )
    except (IngestError, LakeBusyError) as error:
        raise click.ClickException(str(error)) from None
    for report in reports:
        ends = ", ".join(f"{p}:{o}" for p, o in sorted(report.end_offsets.items())) or "none"
        click.echo(
            f"{report.topic}: {report.messages:,} new message(s) in {report.batches} batch(es) "
            f"→ {raw_path(str(lake), report.topic)} (next offsets {ends}; "
            f"{report.total_lag:,} arrived since)"
        )
        if report.offsets_skipped:
            click.echo(
                f"{report.topic}: {report.offsets_skipped:,} offset(s) held no message "
                f"({SKIPPED_OFFSETS_ARE})"
            )
    click.echo(f"Ingested in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
