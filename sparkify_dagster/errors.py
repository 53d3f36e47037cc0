"""A failure as people read it: its cause in a line or two, never a JVM stack trace.

Steps fail with Python errors (OSError from the local file system), PySpark errors (an error
condition such as PATH_NOT_FOUND and its message) or Java errors that PySpark passes on as
they are (Py4JJavaError): the cause that matters is then the last one of the Java chain
(`No space left on device`), under layers of "Job aborted" and "Task failed".
"""

import logging
import re

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException

MAX_LINE = 400
_MAX_CHAIN = 20
# PySpark logs each SQL / DataFrame error it raises, JVM stack trace included, as JSON on stderr.
PYSPARK_ERROR_LOGGERS = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")


def quiet_pyspark_error_logs() -> None:
    """The step's failure reports such an error (describe_failure): not PySpark's log as well."""
    for name in PYSPARK_ERROR_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


class StepFailed(RuntimeError):
    """A step failed: the message is describe_failure's, the full trace went to the debug log."""


_TRACEBACK = "Traceback (most recent call last):"
# A Python exception's line in a traceback ("ModuleNotFoundError: No module named 'x'"), not a
# JVM one ("org.apache.spark.SparkException: …").
_PYTHON_ERROR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(Error|Exception|Exit|Interrupt): ")


def first_line(text: str | None) -> str:
    """An error message's first line, shortened. An error of Spark's Python workers (a Python
    data source, a UDF) has a first line that only announces their traceback: the exception the
    worker raised is added to it, as that is what went wrong."""
    text = (text or "").strip()
    line = text.split("\n", 1)[0].strip()
    if line.endswith(_TRACEBACK):
        raised = next((x for x in text.splitlines() if _PYTHON_ERROR.match(x)), None)
        if raised is not None:
            line = line.removesuffix(_TRACEBACK) + raised
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…"


def _java_chain(throwable) -> list:
    chain = []
    while throwable is not None and len(chain) < _MAX_CHAIN:
        chain.append(throwable)
        cause = throwable.getCause()
        if cause is None or any(cause.equals(seen) for seen in chain):
            break
        throwable = cause
    return chain


def _java_line(throwable) -> str:
    kind = throwable.getClass().getSimpleName()
    message = first_line(throwable.getMessage())
    return f"{kind}: {message}" if message else kind


def _describe_java(throwable, headline: str | None = None) -> str:
    """The headline (or the outermost error) and, when it is another one, the root cause."""
    chain = _java_chain(throwable)
    first = headline or _java_line(chain[0])
    root = _java_line(chain[-1])
    if len(chain) == 1 or root in first:
        return first
    return f"{first}\ncaused by {root}"


def describe_failure(error: BaseException) -> str:
    """One or two lines: what failed and why, for the CLI and the Dagster run log."""
    if isinstance(error, OSError) and error.strerror:
        names = [n for n in (error.filename, error.filename2) if n is not None]
        return f"{error.strerror}: {' -> '.join(map(str, names))}" if names else error.strerror
    if isinstance(error, PySparkException):
        # Spark's own message already leads with the condition: "[PATH_NOT_FOUND] Path ...";
        # the JVM stack trace str() may append (spark.sql.pyspark.jvmStacktrace.enabled)
        # comes after a blank line.
        headline = first_line(str(error))
        condition = error.getCondition()
        if condition and f"[{condition}]" not in headline:
            headline = f"[{condition}] {headline}"
        origin = getattr(error, "_origin", None)  # the Java error behind a captured one
        return _describe_java(origin, headline) if origin is not None else headline
    if isinstance(error, Py4JJavaError) and error.java_exception is not None:
        return _describe_java(error.java_exception)
    message = first_line(str(error))
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
