"""Turning windows of events into day files, in this process or in a second one.

Formatting lines is about half of the generator's work; a forked writer process does it while
the main process simulates the next window, so a day is written on two cores. Both writers give
the same bytes: the child formats windows in the order they are sent, with the same damage RNG.
"""

import multiprocessing
import traceback
from collections import Counter
from collections.abc import Callable
from typing import BinaryIO

import numpy as np

from sparkify_generator.catalogue import Catalogue
from sparkify_generator.log_lines import encode_with_damage, format_lines
from sparkify_generator.population import Population, UserFieldTables
from sparkify_generator.sessions import Events
from sparkify_generator.sinks import LakeSink


class LogFileWriter:
    """Writes day files one window at a time; `finish()` gives each day's damaged lines."""

    def __init__(
        self,
        sink: LakeSink,
        population: Population,
        catalogue: Catalogue,
        user_tables: UserFieldTables,
        bad_line_rate: float,
        damage_rng: np.random.Generator,
    ) -> None:
        self.sink = sink
        self.population = population
        self.catalogue = catalogue
        self.user_tables = user_tables
        self.bad_line_rate = bad_line_rate
        self.damage_rng = damage_rng
        self._file = None
        self._out: BinaryIO | None = None
        self._damaged_per_day: list[Counter] = []

    def open_day(self, relative: str) -> None:
        self._file = self.sink.open_file(relative)
        self._out = self._file.__enter__()
        self._damaged_per_day.append(Counter())

    def write(self, events: Events) -> None:
        lines = format_lines(events, self.population, self.catalogue, self.user_tables)
        self._out.write(
            encode_with_damage(
                lines, self.damage_rng, self.bad_line_rate, self._damaged_per_day[-1]
            )
        )

    def close_day(self) -> None:
        self._file.__exit__(None, None, None)
        self._file = self._out = None

    def finish(self) -> list[Counter]:
        return self._damaged_per_day

    def abort(self) -> None:
        if self._file is not None:
            self._file.__exit__(RuntimeError, RuntimeError("aborted"), None)


def _serve(connection, make_writer: Callable[[], LogFileWriter]) -> None:
    """The child's loop: one message per call of the parent's writer."""
    writer = None
    try:
        writer = make_writer()
        while True:
            call, argument = connection.recv()
            if call == "open_day":
                writer.open_day(argument)
            elif call == "write":
                writer.write(Events(*argument))
            elif call == "close_day":
                writer.close_day()
            else:
                connection.send(("done", writer.finish()))
                return
    except BaseException as error:
        if writer is not None:
            writer.abort()
        connection.send(("error", (f"{type(error).__name__}: {error}", traceback.format_exc())))


class BackgroundLogFileWriter:
    """The same interface, served by a forked child; the pipe's buffer bounds the queue."""

    def __init__(self, make_writer: Callable[[], LogFileWriter]) -> None:
        context = multiprocessing.get_context("fork")
        self._connection, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child_end, make_writer), name="sparkify-log-writer", daemon=True
        )
        self._process.start()
        child_end.close()

    def _call(self, call: str, argument=None) -> None:
        try:
            self._connection.send((call, argument))
        except (BrokenPipeError, ConnectionResetError):
            self._raise_child_error()

    def _raise_child_error(self):
        if self._connection.poll(5):
            kind, detail = self._connection.recv()
            if kind == "error":
                self._fail(detail)
        self._process.join(5)
        raise RuntimeError(f"the log writer process died (exit code {self._process.exitcode})")

    def _fail(self, detail: tuple[str, str]):
        self._process.join(5)
        error = RuntimeError(f"the log writer process failed: {detail[0]}")
        error.add_note(f"In the writer process:\n{detail[1]}")
        raise error

    def open_day(self, relative: str) -> None:
        self._call("open_day", relative)

    def write(self, events: Events) -> None:
        self._call("write", tuple(getattr(events, f) for f in Events.columns()))

    def close_day(self) -> None:
        self._call("close_day")

    def finish(self) -> list[Counter]:
        self._call("finish")
        try:
            kind, detail = self._connection.recv()
        except EOFError:
            self._raise_child_error()
        if kind == "error":
            self._fail(detail)
        self._process.join()
        return detail

    def abort(self) -> None:
        self._process.kill()
        self._process.join()
