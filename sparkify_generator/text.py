"""How the app writes text into its logs, quirks included."""

import json


def double_encode_utf8(text: str) -> str:
    """The app's mojibake: UTF-8 read as Latin-1 and re-encoded, twice ("é" → "Ã\\x83Â©")."""
    for _ in range(2):
        text = text.encode("utf-8").decode("latin-1")
    return text


def log_json_string(text: str | None, *, double_encode: bool) -> str:
    """A JSON string as the logs spell it: ASCII with \\u escapes and escaped slashes."""
    if text is None:
        return "null"
    if double_encode:
        text = double_encode_utf8(text)
    return json.dumps(text).replace("/", "\\/")
