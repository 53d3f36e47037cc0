"""Kafka's SASL login from an AWS Secrets Manager secret, on a real Secrets Manager API (moto)."""

import json
import uuid

import boto3
import pytest

from sparkify_dagster.settings import KAFKA_SASL_SECRET, Settings, SettingsError


@pytest.fixture
def secrets(s3_endpoint, monkeypatch):
    """Secrets Manager on the moto server, for boto3 here as AWS's own would be."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", s3_endpoint)
    return boto3.client("secretsmanager")


SASL = {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "SCRAM-SHA-512"}


def test_the_login_comes_from_the_secret_the_settings_name(secrets):
    login = json.dumps({"username": "alice", "password": "her-password"})
    secrets.create_secret(Name="sparkify/kafka-login", SecretString=login)
    # A secret of another region than this machine's default: its ARN says where it is.
    elsewhere = boto3.client("secretsmanager", region_name="eu-west-1")
    arn = elsewhere.create_secret(Name="sparkify/kafka-login-eu", SecretString=login)["ARN"]
    for secret in ("sparkify/kafka-login", arn):
        config = Settings(**SASL, kafka_sasl_secret=secret).kafka_client_config("broker:9096")
        assert (config["sasl.username"], config["sasl.password"]) == ("alice", "her-password")


@pytest.mark.parametrize(
    ("stored", "cause"),
    [
        (None, "ResourceNotFoundException: "),
        ("alice:her-password", 'not JSON with "username" and "password" strings (MSK\'s'),
        (json.dumps({"user": "alice"}), 'not JSON with "username" and "password"'),
        (json.dumps({"username": "alice", "password": None}), 'not JSON with "username" and'),
    ],
    ids=["missing", "not JSON", "no password", "null password"],
)
def test_a_secret_that_gives_no_login_fails_in_one_line_naming_it(secrets, stored, cause):
    name = f"sparkify/{uuid.uuid4().hex[:8]}"
    if stored is not None:
        secrets.create_secret(Name=name, SecretString=stored)
    with pytest.raises(SettingsError) as failed:
        Settings(**SASL, kafka_sasl_secret=name).kafka_client_config("broker:9096")
    assert str(failed.value).startswith(f"{KAFKA_SASL_SECRET.name}={name}: {cause}")
    assert "\n" not in str(failed.value)
