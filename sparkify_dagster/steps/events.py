"""The clean-zone step: each UTC day's raw log file → typed events, topic tables, a quarantine."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pyspark.sql import Observation, SparkSession

from sparkify_dagster import tables
from sparkify_dagster.layout import LOG_DATA, list_log_files
from sparkify_dagster.sources import file_sizes, read_log_lines
from sparkify_dagster.steps.report import (
    CheckMeasured,
    StepLog,
    StepReport,
    StepRequest,
    describe_table,
)
from sparkify_dagster.steps.step import Check, Step, setting
from sparkify_dagster.storage import ParquetLake
from sparkify_dagster.transforms import events as T


@dataclass(frozen=True)
class CleanEventsSettings:
    quarantine_warn_share: float = setting(
        0.01, "Warn when a day's share of quarantined lines is above this (0.01 = 1%)."
    )


EVERY_LINE_ACCOUNTED_FOR = Check(
    "every_line_accounted_for",
    tables.LOG_EVENTS,
    "Lines read = clean events + quarantined lines, for every day.",
)
QUARANTINE_SHARE_BELOW_THRESHOLD = Check(
    "quarantine_share_below_threshold",
    tables.LOG_EVENTS,
    "Warns when a day's quarantined share is above the configured threshold.",
    blocking=False,
)

MAX_DAYS_DESCRIBED = 10  # a check's description names at most this many days
CLEAN_OUTPUTS = (
    tables.LOG_EVENTS,
    tables.LISTEN_EVENTS,
    tables.PAGE_VIEW_EVENTS,
    tables.AUTH_EVENTS,
    tables.QUARANTINED_LOG_LINES,
)


def _clean_log_events(session: SparkSession, request: StepRequest, log: StepLog) -> StepReport:
    lake = ParquetLake(request.lake_root, session)
    days = request.dates
    found = list_log_files(request.source_root, session)
    if found.skipped:
        named = [f"{path} ({reason})" for path, reason in list(found.skipped.items())[:5]]
        log.warning(
            f"{len(found.skipped)} file(s) under {LOG_DATA}/ belong to no day and are not read: "
            f"{'; '.join(named)}{' …' if len(found.skipped) > 5 else ''}"
        )
    files_by_day = found.for_days(days)
    files = [f for day in days for f in files_by_day[day]]
    missing = [d.isoformat() for d in days if not files_by_day[d]]
    if missing:
        log.warning(
            f"No log file for {len(missing)} of {len(days)} day(s) ({', '.join(missing[:10])}"
            f"{' …' if len(missing) > 10 else ''}): those partitions are written empty."
        )
    megabytes = file_sizes(files, session) / 1e6
    log.info(f"Parsing {len(files)} log file(s), {megabytes:.1f} MB, for {days[0]} … {days[-1]}")

    # Pass 1 parses every line once and writes the clean events straight from the parse, with
    # no shuffle: each piece Spark reads (a big input is cut into one piece per core, of up to
    # 256 MB: spark_settings) is sorted on its own and becomes one file per day it holds. The
    # pieces follow from the files, the cores and the split settings, so a rerun writes the
    # same files. Lines and rejected lines per day are counted on the way.
    counted = Observation("log_lines")
    classified = T.classify_log_lines(read_log_lines(session, files)).observe(
        counted, *T.line_counts(days)
    )
    events = T.clean_events(classified)
    lake.replace_partitions(events, tables.LOG_EVENTS, days, keep_pieces=True)
    log.info(f"Wrote log_events ({lake.total_rows(tables.LOG_EVENTS, days):,} rows)")
    lines_in, rejected_in = T.line_counts_by_day(counted.get, days)

    # Pass 2: the topic tables are cut from log_events as written (a columnar read, not a
    # parse), and only the files of days with rejected lines are parsed again, for their
    # quarantine: clean days, the usual case, cost no second parse.
    damaged = [day for day in days if rejected_in[day]]
    if damaged:
        log.info(
            f"Quarantining {sum(rejected_in.values()):,} rejected line(s) of {len(damaged)} day(s)"
        )
    written = lake.read_partitions(session, tables.LOG_EVENTS, days)
    damaged_lines = read_log_lines(session, [f for day in damaged for f in files_by_day[day]])
    outputs = {
        tables.LISTEN_EVENTS: T.listen_events(written),
        tables.PAGE_VIEW_EVENTS: T.page_view_events(written),
        tables.AUTH_EVENTS: T.auth_events(written),
        tables.QUARANTINED_LOG_LINES: T.quarantined_lines(T.classify_log_lines(damaged_lines)),
    }
    # Concurrent Spark jobs: while one write runs its last, uneven tasks, the next one's tasks
    # use the idle core.
    with ThreadPoolExecutor(max_workers=len(outputs)) as pool:
        writes = {
            table: pool.submit(lake.replace_partitions, df, table, days, keep_pieces=True)
            for table, df in outputs.items()
        }
    for table, write in writes.items():
        write.result()
        log.info(f"Wrote {table.name} ({lake.total_rows(table, days):,} rows)")

    per_day = {
        day: {
            "read": lines_in.get(day, 0),
            "clean": lake.row_count(tables.LOG_EVENTS, day),
            "quarantined": lake.row_count(tables.QUARANTINED_LOG_LINES, day),
        }
        for day in days
    }
    described = []
    for table in CLEAN_OUTPUTS:
        for day in days:
            extra = {}
            if table is tables.LOG_EVENTS:
                extra = {
                    "source_files": len(files_by_day[day]),
                    "lines_read": per_day[day]["read"],
                    "quarantined_lines": per_day[day]["quarantined"],
                }
            described.append(describe_table(lake, table, day, extra=extra))
    settings: CleanEventsSettings = request.settings
    checks = [
        reconciliation(EVERY_LINE_ACCOUNTED_FOR, per_day, "line"),
        quarantine_share(
            QUARANTINE_SHARE_BELOW_THRESHOLD,
            per_day,
            "line",
            settings.quarantine_warn_share,
            session,
            lake,
            tables.QUARANTINED_LOG_LINES,
            days,
        ),
    ]
    return StepReport(tables=described, checks=checks)


def _percent(share: float) -> str:
    """3.2 %, 0.05 %: one decimal unless that would hide a small share."""
    percent = share * 100
    return f"{percent:.1f} %" if percent >= 0.1 or percent == 0 else f"{percent:.2g} %"


def _day_lines(lines: list[str]) -> str:
    kept = lines[:MAX_DAYS_DESCRIBED]
    if len(lines) > len(kept):
        kept.append(f"… and {len(lines) - len(kept)} more day(s)")
    return "\n".join(kept)


def reconciliation(check: Check, per_day: dict, unit: str) -> CheckMeasured:
    """`check` measured on `per_day` ({day: {"read", "clean", "quarantined"}}): every `unit`
    read ("line" of a log file, "message" of a topic) is a clean event or quarantined. One for
    both clean steps, whatever their input."""
    unbalanced = {
        d.isoformat(): n for d, n in per_day.items() if n["read"] != n["clean"] + n["quarantined"]
    }
    read = sum(n["read"] for n in per_day.values())
    description = (
        _day_lines(
            [
                f"{day}: {n['read']:,} {unit}s read, but {n['clean']:,} clean events and "
                f"{n['quarantined']:,} quarantined {unit}s"
                for day, n in unbalanced.items()
            ]
        )
        or f"Each of {read:,} {unit}s read is a clean event or a quarantined {unit}"
    )
    return check.measured(
        passed=not unbalanced,
        metadata={
            f"{unit}s_read": read,
            "clean_events": sum(n["clean"] for n in per_day.values()),
            f"quarantined_{unit}s": sum(n["quarantined"] for n in per_day.values()),
            "unbalanced_days": unbalanced,
        },
        description=description,
    )


def quarantine_share(
    check: Check,
    per_day: dict,
    unit: str,
    threshold: float,
    session: SparkSession,
    lake: ParquetLake,
    quarantine: tables.Table,
    days: list,
) -> CheckMeasured:
    """`check` measured on `per_day`: each day's quarantined share of the `unit`s read against
    `threshold`, with the reasons found in the `quarantine` table."""
    shares = {d: n["quarantined"] / n["read"] for d, n in per_day.items() if n["read"]}
    over = {d.isoformat(): round(s, 4) for d, s in shares.items() if s > threshold}
    reasons = {}
    if any(n["quarantined"] for n in per_day.values()):
        bad = lake.read_partitions(session, quarantine, days)
        reasons = {r["reason"]: r["count"] for r in bad.groupBy("reason").count().collect()}
    return check.measured(
        passed=not over,
        metadata={
            "threshold": threshold,
            "max_share": max(shares.values(), default=0.0),
            "days_over_threshold": over,
            "reasons": reasons,
        },
        description=_share_description(per_day, shares, threshold, unit),
    )


def _share_description(per_day: dict, shares: dict, threshold: float, unit: str) -> str:
    """Each day over the threshold (or the highest day, within it), with its share and count."""

    def day_line(day) -> str:
        n = per_day[day]
        return f"{day}: {_percent(shares[day])} of {n['read']:,} {unit}s quarantined"

    over = [day for day in sorted(shares) if shares[day] > threshold]
    if over:
        return _day_lines(
            [f"{day_line(day)}, above the {_percent(threshold)} threshold" for day in over]
        )
    if not shares:
        return f"No {unit}s read"
    highest = max(sorted(shares), key=shares.get)
    return f"Highest: {day_line(highest)}, within the {_percent(threshold)} threshold"


CLEAN_LOG_EVENTS_STEP = Step(
    "clean_log_events",
    _clean_log_events,
    settings=CleanEventsSettings,
    checks=(EVERY_LINE_ACCOUNTED_FOR, QUARANTINE_SHARE_BELOW_THRESHOLD),
)
