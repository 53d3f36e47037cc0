"""Where the raw data comes from and where the tables go."""

import dagster as dg
from pydantic import Field

from sparkify_dagster.settings import LAKE, SOURCE


class LakeResource(dg.ConfigurableResource):
    """The raw source (song_data/ + log_data/) and the output lake: local directories for local
    Spark, s3:// URLs for EMR (Settings.env emr)."""

    source_root: str = Field(
        default=SOURCE.default,
        description="Directory or s3:// URL holding song_data/ and log_data/.",
    )
    lake_root: str = Field(
        default=LAKE.default,
        description="Directory or s3:// URL the clean, star and quarantine tables go to.",
    )
    song_source_root: str | None = Field(
        default=None,
        description="Directory or s3:// URL holding song_data/ when the source is kafka:// "
        "(unset: the source).",
    )

    @property
    def songs_root(self) -> str:
        return self.song_source_root or self.source_root
