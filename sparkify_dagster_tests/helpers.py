"""Helpers shared by test modules (fixtures stay in conftest.py)."""


class RecordingLog:
    """A StepLog that keeps what it is told, for tests that check what a step or lock logged."""

    def __init__(self):
        self.messages: list[str] = []

    def info(self, msg: str) -> None:
        self.messages.append(msg)

    warning = info
