"""`make run`: DynamoDB Local, tables, catalog seed and the three services in the foreground.

Ctrl-C or SIGTERM stops the services first, then DynamoDB Local, each by PID. Data lives
in `.data/dynamodb` and survives a restart. Ports come from CNOP_DYNAMODB_PORT (8000),
CNOP_USER_PORT (8001), CNOP_INVENTORY_PORT (8002) and CNOP_ORDER_PORT (8003).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

import httpx
import structlog

from common.dynamodb.tables import create_tables, dynamodb_client
from common.security.tokens import generate_keypair
from common.settings import CommonSettings
from devstack.dynamodb_local import (
    DynamoDBLocal,
    DynamoDBLocalError,
    data_dir,
    local_environment,
    port_is_taken,
)

log = structlog.get_logger("devstack.run")

READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    port_variable: str
    default_port: int

    @property
    def port(self) -> int:
        return int(os.environ.get(self.port_variable, self.default_port))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


SERVICES = (
    ServiceSpec("user", "user_service.main", "CNOP_USER_PORT", 8001),
    ServiceSpec("inventory", "inventory_service.main", "CNOP_INVENTORY_PORT", 8002),
    ServiceSpec("order", "order_service.main", "CNOP_ORDER_PORT", 8003),
)


def ensure_keys(key_dir: Path) -> tuple[Path, Path]:
    """Return the dev signing key pair's file paths, creating the pair on first run."""
    private_path = key_dir / "jwt-private.pem"
    public_path = key_dir / "jwt-public.pem"
    if not (private_path.exists() and public_path.exists()):
        key_dir.mkdir(parents=True, exist_ok=True)
        private_pem, public_pem = generate_keypair()
        private_path.write_text(private_pem)
        private_path.chmod(0o600)
        public_path.write_text(public_pem)
        log.info("devstack.keys_created", key_dir=str(key_dir))
    return private_path, public_path


def service_environment(endpoint_url: str, private_key: Path, public_key: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(local_environment(endpoint_url))
    env.setdefault("CNOP_ENVIRONMENT", "dev")
    env["CNOP_JWT_PUBLIC_KEY_FILE"] = str(public_key)
    env["CNOP_USER_JWT_PRIVATE_KEY_FILE"] = str(private_key)
    return env


def seed_catalog(env: dict[str, str]) -> None:
    """Run the inventory seed command when the inventory service provides one."""
    if importlib.util.find_spec("inventory_service.seed") is None:
        log.info("devstack.seed_skipped", reason="inventory_service.seed not present")
        return
    subprocess.run([sys.executable, "-m", "inventory_service.seed"], env=env, check=True)


def start_service(
    spec: ServiceSpec, env: dict[str, str], output: IO[bytes] | None = None
) -> subprocess.Popen[bytes]:
    """Start one service under uvicorn; its output goes to `output`, or to ours when None."""
    if port_is_taken(spec.port):
        raise DynamoDBLocalError(
            f"port {spec.port} for the {spec.name} service is in use; "
            f"set {spec.port_variable} to a free port."
        )
    command = [
        sys.executable, "-m", "uvicorn", "--factory", f"{spec.module}:create_app",
        "--host", "127.0.0.1", "--port", str(spec.port), "--no-access-log",
    ]  # fmt: skip
    stderr = subprocess.STDOUT if output is not None else None
    process = subprocess.Popen(
        command, env=env, stdout=output, stderr=stderr, start_new_session=True
    )
    log.info("devstack.service_started", service=spec.name, pid=process.pid, port=spec.port)
    return process


def wait_ready(spec: ServiceSpec, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the {spec.name} service exited with code {process.returncode}")
        try:
            if httpx.get(f"{spec.url}/health/ready", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"the {spec.name} service was not ready within {READY_TIMEOUT_S:.0f} s")


def stop_process(name: str, process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("devstack.kill_after_timeout", service=name, pid=process.pid)
            process.kill()
            process.wait(timeout=10)
    log.info("devstack.service_stopped", service=name, pid=process.pid)


class Stack:
    """The running processes, stopped in reverse start order."""

    def __init__(self) -> None:
        self.database: DynamoDBLocal | None = None
        self.services: list[tuple[ServiceSpec, subprocess.Popen[bytes]]] = []
        self.stop_requested = threading.Event()

    def start(self) -> None:
        port = int(os.environ.get("CNOP_DYNAMODB_PORT", "8000"))
        self.database = DynamoDBLocal(port=port, db_path=data_dir() / "dynamodb")
        self.database.start()
        private_key, public_key = ensure_keys(data_dir() / "keys")
        env = service_environment(self.database.endpoint_url, private_key, public_key)
        settings = CommonSettings(dynamodb_endpoint_url=self.database.endpoint_url)
        os.environ.update(local_environment(self.database.endpoint_url))
        create_tables(dynamodb_client(settings), settings.table_prefix)
        seed_catalog(env)
        for spec in SERVICES:
            self.services.append((spec, start_service(spec, env)))
        deadline = time.monotonic() + READY_TIMEOUT_S
        for spec, process in self.services:
            wait_ready(spec, process, deadline)

    def stop(self) -> None:
        for spec, process in reversed(self.services):
            stop_process(spec.name, process)
        self.services.clear()
        if self.database is not None:
            self.database.stop()
            self.database = None

    def first_exited(self) -> ServiceSpec | None:
        for spec, process in self.services:
            if process.poll() is not None:
                return spec
        return None


def print_banner(database_url: str) -> None:
    print("\nCloud Native Order Processor is running:", flush=True)
    print(f"  DynamoDB Local     {database_url}")
    for spec in SERVICES:
        print(f"  {spec.name:<18} {spec.url}   docs: {spec.url}/docs")
    print("Press Ctrl-C to stop everything.\n", flush=True)


def main() -> int:
    from common.logging import configure_logging

    configure_logging("devstack", os.environ.get("CNOP_LOG_LEVEL", "INFO"))
    stack = Stack()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("devstack.stop_requested", signal=signal.Signals(signum).name)
        stack.stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    parent = os.getppid()
    exit_code = 0
    try:
        stack.start()
        assert stack.database is not None
        print_banner(stack.database.endpoint_url)
        while not stack.stop_requested.wait(0.5):
            exited = stack.first_exited()
            if exited is not None:
                log.error("devstack.service_exited", service=exited.name)
                exit_code = 1
                break
            if os.getppid() != parent:
                log.info("devstack.parent_exited")
                break
    except Exception as error:
        log.error("devstack.start_failed", error=str(error), error_type=type(error).__name__)
        exit_code = 1
    finally:
        stack.stop()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
