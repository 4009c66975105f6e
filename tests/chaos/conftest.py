"""The chaos test's stack: the three services as uvicorn processes with DynamoDB faults.

The services run on free loopback ports against the session's in-memory DynamoDB Local,
under their own table prefix, with `CNOP_ENVIRONMENT=test` and `CNOP_FAULT_INJECTION`.
Each process writes its log to a file in the test's folder; the fixture stops every
process it started by PID and checks that none is left.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.dynamodb.tables import create_tables, dynamodb_client
from common.settings import CommonSettings
from devstack.dynamodb_local import DynamoDBLocal, find_free_port, local_environment
from devstack.run import (
    SERVICES,
    ServiceSpec,
    ensure_keys,
    seed_catalog,
    service_environment,
    start_service,
    stop_process,
    wait_ready,
)

READY_TIMEOUT_S = 60.0

# Rules are tried in order and the first that fires wins. The rates fail roughly one
# DynamoDB call in seven and one transaction attempt in four. The services' retries absorb
# most of them; the rest reach the clients as 503s, which they retry with the same key.
FAULT_SPEC = {
    "seed": 20261207,
    "rules": [
        {"operations": ["TransactWriteItems"], "kind": "transaction_conflict", "rate": 0.12},
        {"operations": ["TransactWriteItems"], "kind": "lost_response", "rate": 0.04},
        {"operations": ["*"], "kind": "throttling", "rate": 0.04},
        {"operations": ["*"], "kind": "read_timeout", "rate": 0.03},
        {"operations": ["*"], "kind": "connection_reset", "rate": 0.03},
    ],
}


class ChaosStack:
    """The three service processes, each restartable on its port, with their log files."""

    def __init__(self, env: dict[str, str], settings: CommonSettings, log_dir: Path) -> None:
        self.env = env
        self.settings = settings
        self.log_dir = log_dir
        self.specs = {spec.name: spec for spec in SERVICES}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.started_pids: list[int] = []
        self.kills = 0

    def url(self, name: str) -> str:
        return self.specs[name].url

    def start(self, name: str) -> None:
        spec = self.specs[name]
        with (self.log_dir / f"{name}-{len(self.started_pids)}.log").open("wb") as output:
            process = start_service(spec, self.env, output=output)
        self.processes[name] = process
        self.started_pids.append(process.pid)

    def wait_ready(self, name: str) -> None:
        spec: ServiceSpec = self.specs[name]
        wait_ready(spec, self.processes[name], time.monotonic() + READY_TIMEOUT_S)

    def kill_and_restart(self, name: str) -> None:
        """SIGKILL the service's process, then start a new one on the same port."""
        process = self.processes[name]
        process.kill()
        process.wait(timeout=10)
        self.kills += 1
        self.start(name)
        self.wait_ready(name)

    def faults_injected(self) -> int:
        """Count the faults the service processes logged as injected."""
        return sum(
            path.read_text(errors="replace").count('"faults.injected"')
            for path in self.log_dir.glob("*.log")
        )

    def log_tail(self, characters: int = 3000) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-characters:]}"
            for path in sorted(self.log_dir.glob("*.log"))
        )

    def stop(self) -> None:
        for name, process in reversed(list(self.processes.items())):
            stop_process(name, process)

    def running(self) -> list[int]:
        return [process.pid for process in self.processes.values() if process.poll() is None]


@pytest.fixture
def chaos_stack(
    tmp_path: Path, dynamodb_local: DynamoDBLocal, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ChaosStack]:
    for spec in SERVICES:
        monkeypatch.setenv(spec.port_variable, str(find_free_port()))
    private_key, public_key = ensure_keys(tmp_path / "keys")
    env = service_environment(dynamodb_local.endpoint_url, private_key, public_key)
    env.update(local_environment(dynamodb_local.endpoint_url))
    env.update(
        {
            "CNOP_ENVIRONMENT": "test",
            "CNOP_TABLE_PREFIX": f"chaos{uuid.uuid4().hex[:8]}-",
            "CNOP_LOG_LEVEL": "INFO",
            "CNOP_LOG_JSON": "true",
            # Cheap hashing: 20 registrations and logins must not dominate the run.
            "CNOP_USER_ARGON2_TIME_COST": "1",
            "CNOP_USER_ARGON2_MEMORY_COST_KIB": "8",
            "CNOP_USER_ARGON2_PARALLELISM": "1",
            # Fewer retries inside the services, so that some faults reach the clients as
            # 503s, including after a commit whose response was lost.
            "CNOP_DYNAMODB_MAX_RETRY_ATTEMPTS": "1",
            "CNOP_ORDER_TRANSACTION_MAX_ATTEMPTS": "2",
        }
    )
    settings = CommonSettings(
        environment="test",
        dynamodb_endpoint_url=dynamodb_local.endpoint_url,
        table_prefix=env["CNOP_TABLE_PREFIX"],
    )
    create_tables(dynamodb_client(settings), settings.table_prefix)
    seed_catalog(env)  # before the faults, so that the catalog is complete
    env["CNOP_FAULT_INJECTION"] = json.dumps(FAULT_SPEC)
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    stack = ChaosStack(env, settings, log_dir)
    try:
        for name in stack.specs:
            stack.start(name)
        for name in stack.specs:
            stack.wait_ready(name)
        yield stack
    finally:
        stack.stop()
    assert stack.running() == []
