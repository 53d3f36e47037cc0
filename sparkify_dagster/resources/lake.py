"""Where the raw data comes from and where the tables go."""

from collections.abc import Iterable
from datetime import date

import dagster as dg
from pydantic import Field

from sparkify_dagster.sources import list_song_files, log_files_for_days
from sparkify_dagster.storage import ParquetLake


class LakeResource(dg.ConfigurableResource):
    """The raw source (song_data/ + log_data/) and the output lake, both local directories."""

    source_root: str = Field(
        default="data/raw", description="Directory holding song_data/ and log_data/."
    )
    lake_root: str = Field(
        default="data/lake", description="Directory the clean, star and quarantine tables go to."
    )

    def tables(self) -> ParquetLake:
        if "://" in self.lake_root:
            raise ValueError(
                f"lake_root {self.lake_root!r}: local Spark writes local directories only."
            )
        return ParquetLake(self.lake_root)

    def _local_source(self) -> str:
        if "://" in self.source_root:
            raise ValueError(
                f"source_root {self.source_root!r}: local Spark reads local directories only "
                "(the sensors can watch S3; the tables are computed from a local copy)."
            )
        return self.source_root

    def log_files(self, days: Iterable[date]) -> dict[date, list[str]]:
        return log_files_for_days(self._local_source(), days)

    def song_files(self) -> list[str]:
        return list_song_files(self._local_source())
