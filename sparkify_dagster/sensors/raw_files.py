"""Sensors on the raw lake: a new or rewritten day file runs that day; new song files refresh
the catalogue. The source is a local directory or an s3:// URL (LakeResource.source_root)."""

from collections import defaultdict

import dagster as dg
from dagster_aws.s3 import S3Resource

from sparkify_dagster.jobs import daily_star_schema_job, song_catalogue_job
from sparkify_dagster.layout import LOG_DATA, LOG_FILE_FORM, SONG_DATA, group_log_files
from sparkify_dagster.resources.lake import LakeResource
from sparkify_dagster.sensors.cursors import (
    LogFilesCursor,
    SongFilesCursor,
    fingerprint,
    new_log_file_versions,
    song_files_changed,
    song_files_state,
)
from sparkify_dagster.sensors.listing import FileVersion, list_local, list_s3
from sparkify_dagster.settings import START_DATE, Settings

TICK_SECONDS = 30
NEW_LOG_FILES = "new_log_files"
NEW_SONG_FILES = "new_song_files"


def automation_status(settings: Settings) -> dg.DefaultSensorStatus:
    """Sensors and schedules start stopped (a laptop demo should not run by itself) unless
    Settings.automation is on, as a deployment sets it."""
    on = settings.automation
    return dg.DefaultSensorStatus.RUNNING if on else dg.DefaultSensorStatus.STOPPED


def _listing(lake: LakeResource, s3: S3Resource, part: str) -> list[FileVersion]:
    root = lake.songs_root if part == SONG_DATA else lake.source_root
    if root.startswith("s3://"):
        return list(list_s3(s3.get_client(), root, part))
    return list(list_local(root, part))


def log_file_run_requests(
    context: dg.SensorEvaluationContext,
    listing: list[FileVersion],
    cursor: LogFilesCursor,
    partitions_def: dg.PartitionsDefinition,
) -> dg.SensorResult:
    """One run request per day with a new file version; the decision, apart from the listing."""
    new, cursor = new_log_file_versions(listing, cursor)
    found = group_log_files(v.key for v in new)
    day_of = {key: day for day, keys in found.by_day.items() for key in keys}
    by_day: dict[str, list[FileVersion]] = defaultdict(list)
    for version in new:
        day = day_of.get(version.key)
        reason = found.skipped.get(version.key)
        if reason is None and day is None:
            continue  # still being written: a later tick sees the finished file
        if day is not None and not partitions_def.has_partition_key(day.isoformat()):
            reason = f"{day} is outside the daily partitions ({START_DATE.name} … tomorrow)"
        if reason:
            if version.key not in cursor.ignored:
                context.log.warning(f"Skipping {version.key}: {reason}")
                cursor.ignored.add(version.key)
            continue
        by_day[day.isoformat()].append(version)
    requests = []
    for day, versions in sorted(by_day.items()):
        requests.append(
            dg.RunRequest(
                partition_key=day,
                run_key=f"{day}:{fingerprint(versions)[:16]}",
                tags={"sparkify/trigger": ", ".join(v.key for v in versions)[:1000]},
            )
        )
    if requests:
        context.log.info(
            f"New log file versions for {', '.join(r.partition_key for r in requests)}"
        )
    return dg.SensorResult(run_requests=requests, cursor=cursor.dump())


def build_sensors(
    settings: Settings, partitions_def: dg.PartitionsDefinition
) -> list[dg.SensorDefinition]:
    """The two sensors, started as Settings.automation says; a log file's day must be one of
    `partitions_def`'s (the configured daily partitions)."""
    status = automation_status(settings)

    @dg.sensor(
        name=NEW_LOG_FILES,
        job=daily_star_schema_job,
        minimum_interval_seconds=TICK_SECONDS,
        default_status=status,
        description=(
            f"A new or rewritten {LOG_FILE_FORM} anywhere under {LOG_DATA}/ runs that day's "
            "partition."
        ),
    )
    def new_log_files(
        context: dg.SensorEvaluationContext, lake: LakeResource, s3: S3Resource
    ) -> dg.SensorResult:
        listing = _listing(lake, s3, LOG_DATA)
        cursor = LogFilesCursor.parse(context.cursor)
        return log_file_run_requests(context, listing, cursor, partitions_def)

    @dg.sensor(
        name=NEW_SONG_FILES,
        job=song_catalogue_job,
        minimum_interval_seconds=TICK_SECONDS,
        default_status=status,
        description=f"New, rewritten or removed {SONG_DATA}/ files refresh songs and artists.",
    )
    def new_song_files(
        context: dg.SensorEvaluationContext, lake: LakeResource, s3: S3Resource
    ) -> dg.SensorResult:
        state = song_files_state(_listing(lake, s3, SONG_DATA))
        cursor = SongFilesCursor.parse(context.cursor)
        if not song_files_changed(state, cursor):
            return dg.SensorResult(skip_reason=f"{SONG_DATA}/ unchanged", cursor=cursor.dump())
        context.log.info(f"{SONG_DATA}/ changed ({state.count:,} files): refreshing the catalogue")
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(run_key=f"songs:{state.digest_at_newest[:16]}:{state.count}")
            ],
            cursor=state.dump(),
        )

    return [new_log_files, new_song_files]
