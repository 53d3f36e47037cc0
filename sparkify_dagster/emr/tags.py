"""The tags that mark an EMR cluster as started by this platform, and for which run."""

MANAGED_TAG = "sparkify:managed-by"
MANAGED_VALUE = "sparkify_dagster"
RUN_ID_TAG = "sparkify:dagster-run-id"


def tag_dict(cluster: dict) -> dict[str, str]:
    """describe_cluster's Tags list as a dict."""
    return {t["Key"]: t["Value"] for t in cluster.get("Tags", [])}
