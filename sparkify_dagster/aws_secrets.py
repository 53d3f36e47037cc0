"""The one secret the platform reads from AWS Secrets Manager: Kafka's SASL login.

On EMR the micro-batch's consumer starts on the cluster, and a password set where Dagster runs
would have to travel there in the step's request, which is logged and kept in S3. So the login
can live in a secret instead (settings.KAFKA_SASL_SECRET), read with the default AWS credential
chain wherever the consumer starts: on EMR the cluster's instance profile, which needs
`secretsmanager:GetSecretValue` on it (README: Running on AWS). MSK keeps SCRAM logins in
secrets of this very form.
"""

import json

from sparkify_dagster.settings import KAFKA_SASL_SECRET, SettingsError


def _region_of(secret_id: str, region: str | None) -> str | None:
    """An ARN's own region (arn:aws:secretsmanager:REGION:…); else `region`, else the chain's."""
    parts = secret_id.split(":")
    if len(parts) > 3 and parts[0] == "arn" and parts[3]:
        return parts[3]
    return region


def read_sasl_login(secret_id: str, region: str | None = None) -> tuple[str, str]:
    """(user name, password) from the secret's JSON {"username": …, "password": …}; a
    SettingsError naming the secret and the cause, in one line, when it cannot be had."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    where = f"{KAFKA_SASL_SECRET.name}={secret_id}"
    try:
        client = boto3.client("secretsmanager", region_name=_region_of(secret_id, region))
        text = client.get_secret_value(SecretId=secret_id).get("SecretString") or ""
    except ClientError as error:
        detail = error.response.get("Error", {})
        raise SettingsError(f"{where}: {detail.get('Code')}: {detail.get('Message')}") from None
    except BotoCoreError as error:
        raise SettingsError(f"{where}: {error}") from None
    try:
        login = json.loads(text)
        username, password = login["username"], login["password"]
    except (ValueError, TypeError, KeyError):
        username = password = None
    if not (isinstance(username, str) and isinstance(password, str) and username and password):
        raise SettingsError(
            f'{where}: not JSON with "username" and "password" strings (MSK\'s SCRAM form)'
        ) from None
    return username, password
