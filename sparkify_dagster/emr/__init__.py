"""Running the steps on AWS EMR: code packaging, step submission through Dagster Pipes, and
cluster housekeeping. The Dagster resources that use them are in sparkify_dagster.resources.emr."""
