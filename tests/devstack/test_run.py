"""`make run`'s launcher as a user runs it: ready services, clean stop, data that persists."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest

from devstack.dynamodb_local import (
    DUMMY_ACCESS_KEY,
    DUMMY_REGION,
    DUMMY_SECRET_KEY,
    DynamoDBLocal,
    find_free_port,
    port_is_taken,
)

PORT_VARIABLES = ("CNOP_DYNAMODB_PORT", "CNOP_USER_PORT", "CNOP_INVENTORY_PORT", "CNOP_ORDER_PORT")


@pytest.fixture
def run_environment(tmp_path: Path, dynamodb_local: DynamoDBLocal) -> dict[str, str]:
    """Environment for a launcher on free ports with its data in a temporary folder.

    Depends on `dynamodb_local` only so that the jar is fetched before the launcher starts.
    """
    env = dict(os.environ)
    env.update({name: str(find_free_port()) for name in PORT_VARIABLES})
    env["CNOP_DATA_DIR"] = str(tmp_path / "data")
    env["CNOP_TABLE_PREFIX"] = "runtest-"
    return env


class Launcher:
    """`python -m devstack.run` with its output in a file, so a full pipe never blocks it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.log_path = Path(env["CNOP_DATA_DIR"]).parent / f"launcher-{find_free_port()}.log"
        with self.log_path.open("w") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "devstack.run"],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )

    @property
    def output(self) -> str:
        return self.log_path.read_text()

    def wait_for_banner(self, timeout_s: float = 90) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.process.poll() is None:
            if "Press Ctrl-C to stop everything" in self.output:
                return
            time.sleep(0.2)
        raise AssertionError("launcher did not become ready:\n" + self.output[-4000:])

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout=60)

    def port(self, variable: str) -> int:
        return int(self.env[variable])


@pytest.fixture
def launcher_factory(run_environment: dict[str, str]) -> Iterator[type[Launcher]]:
    started: list[Launcher] = []

    class TrackedLauncher(Launcher):
        def __init__(self, env: dict[str, str]) -> None:
            super().__init__(env)
            started.append(self)

    yield TrackedLauncher
    for launcher in started:
        if launcher.process.poll() is None:
            launcher.stop(signal.SIGKILL)


def dynamodb(port: int) -> object:
    return boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name=DUMMY_REGION,
        aws_access_key_id=DUMMY_ACCESS_KEY,
        aws_secret_access_key=DUMMY_SECRET_KEY,
    )


def test_launcher_serves_stops_cleanly_and_keeps_data(
    run_environment: dict[str, str], launcher_factory: type[Launcher]
) -> None:
    # Given a running stack
    first = launcher_factory(run_environment)
    first.wait_for_banner()
    for variable in PORT_VARIABLES[1:]:
        ready = httpx.get(f"http://127.0.0.1:{first.port(variable)}/health/ready", timeout=5)
        assert ready.status_code == 200
    database_port = first.port("CNOP_DYNAMODB_PORT")
    dynamodb(database_port).put_item(  # type: ignore[attr-defined]
        TableName="runtest-users", Item={"pk": {"S": "MARKER"}, "sk": {"S": "MARKER"}}
    )

    # When SIGTERM stops it
    exit_code = first.stop()

    # Then every port is free again and the exit is clean
    assert exit_code == 0
    for variable in PORT_VARIABLES:
        assert not port_is_taken(first.port(variable)), variable

    # And a second start finds the same data
    second = launcher_factory(run_environment)
    second.wait_for_banner()
    item = dynamodb(database_port).get_item(  # type: ignore[attr-defined]
        TableName="runtest-users", Key={"pk": {"S": "MARKER"}, "sk": {"S": "MARKER"}}
    )
    assert "Item" in item
    assert second.stop(signal.SIGINT) == 0


def test_launcher_reports_taken_port(
    run_environment: dict[str, str], launcher_factory: type[Launcher]
) -> None:
    # Given something already listening on the user service's port
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", int(run_environment["CNOP_USER_PORT"])))
        blocker.listen()

        # When the launcher starts
        launcher = launcher_factory(run_environment)
        exit_code = launcher.process.wait(timeout=90)

    # Then it exits with an error that names the port and stops DynamoDB Local
    assert exit_code == 1
    assert "CNOP_USER_PORT" in launcher.output
    assert not port_is_taken(int(run_environment["CNOP_DYNAMODB_PORT"]))
