"""Running the steps on AWS EMR: code packaging, the run's cluster (create, wait, terminate),
step submission through Dagster Pipes, and cluster housekeeping. Plain code on boto3 clients;
the Dagster resources that use it are in sparkify_dagster.resources.emr."""
