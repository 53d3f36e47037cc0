"""A test's view of a running Dagster webserver: its GraphQL API, and waiting on it.

Shared by the UI test (`dagster dev`) and the deployment test (webserver + daemon + gRPC
server on Postgres). Timeouts report the tail of the servers' logs, the only clue on CI.
"""

import json
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

FINISHED_RUN_STATUSES = {"SUCCESS", "FAILURE", "CANCELED"}


@dataclass
class Webserver:
    url: str
    logs: Sequence[Path]  # the servers' log files, quoted when a wait times out

    def log_tails(self, chars: int = 3000) -> str:
        """The end of every server log, for assertion messages."""
        return "\n".join(
            f"--- {log.name} ---\n{log.read_text(errors='replace')[-chars:]}"
            for log in self.logs
            if log.exists()
        )

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.loads(response.read())
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_for(self, what: str, condition: Callable[[], T], timeout: float = 600) -> T:
        """Poll `condition` until it returns something truthy, and return that."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(2)
        raise AssertionError(f"timed out waiting for {what}\n{self.log_tails()}")

    def loaded_location(self) -> str | None:
        """The name of the loaded code location; None while the server or location starts."""
        try:
            data = self.graphql(
                "{ workspaceOrError { ... on Workspace { locationEntries { name "
                "locationOrLoadError { __typename ... on PythonError { message } } } } } }"
            )
        except OSError:
            return None
        entries = data["workspaceOrError"]["locationEntries"]
        loaded = [
            e["name"]
            for e in entries
            if e["locationOrLoadError"]
            and e["locationOrLoadError"]["__typename"] == "RepositoryLocation"
        ]
        errors = [
            e
            for e in entries
            if e["locationOrLoadError"] and e["locationOrLoadError"]["__typename"] == "PythonError"
        ]
        assert not errors, f"{errors}\n{self.log_tails()}"
        return loaded[0] if loaded else None

    def launch_run(self, job: str, tags: dict[str, str] | None = None) -> str:
        """Launch `job` (tags such as dagster/partition as given) and return its run id."""
        data = self.graphql(
            """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {
                 __typename ... on LaunchRunSuccess { run { runId } }
                 ... on PythonError { message } ... on InvalidSubsetError { message } } }""",
            {
                "p": {
                    "selector": {
                        "repositoryLocationName": self.loaded_location(),
                        "repositoryName": "__repository__",
                        "jobName": job,
                    },
                    "executionMetadata": {
                        "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]
                    },
                }
            },
        )
        launched = data["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        return launched["run"]["runId"]

    def run_status(self, run_id: str) -> str:
        data = self.graphql(
            "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }",
            {"id": run_id},
        )
        return data["runOrError"]["status"]

    def wait_for_run(self, run_id: str, timeout: float = 600) -> str:
        """The run's final status, once it has one."""
        return self.wait_for(
            f"run {run_id} to finish",
            lambda: (s := self.run_status(run_id)) in FINISHED_RUN_STATUSES and s,
            timeout,
        )
