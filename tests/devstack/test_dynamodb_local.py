"""DynamoDB Local runtime: cached jar, telemetry off, clear errors, clean stop."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from devstack import dynamodb_local as runtime
from devstack.dynamodb_local import DynamoDBLocal, DynamoDBLocalError, find_free_port


def test_command_disables_telemetry_and_uses_memory() -> None:
    server = DynamoDBLocal(port=1234)

    command = server.command(Path("/cache/lib/DynamoDBLocal.jar"))

    assert "-disableTelemetry" in command
    assert "-sharedDb" in command
    assert "-inMemory" in command
    assert command[command.index("-port") + 1] == "1234"


def test_command_with_db_path_persists(tmp_path: Path) -> None:
    command = DynamoDBLocal(port=1, db_path=tmp_path).command(Path("/x/DynamoDBLocal.jar"))

    assert "-inMemory" not in command
    assert command[command.index("-dbPath") + 1] == str(tmp_path)
    assert "-disableTelemetry" in command


def test_missing_java_is_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime.shutil, "which", lambda _name: None)

    with pytest.raises(DynamoDBLocalError, match="java was not found"):
        DynamoDBLocal(port=1).command(Path("/x/DynamoDBLocal.jar"))


def test_missing_npm_is_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(runtime.shutil, "which", lambda _name: None)

    with pytest.raises(DynamoDBLocalError, match="npm was not found"):
        runtime.ensure_jar(tmp_path)


def test_cached_jar_is_reused_without_npm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    jar = tmp_path / "package" / "lib" / "dynamodb_local_2026-01-16" / "DynamoDBLocal.jar"
    jar.parent.mkdir(parents=True)
    jar.write_bytes(b"jar")
    monkeypatch.setattr(runtime.shutil, "which", lambda _name: None)

    assert runtime.ensure_jar(tmp_path) == jar


def test_taken_port_is_clear_error() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        with pytest.raises(DynamoDBLocalError, match=f"port {port}.*already in use"):
            DynamoDBLocal(port=port).start()


def test_start_and_stop_leave_no_process(dynamodb_local: DynamoDBLocal) -> None:
    # Given a second server next to the session's one
    server = DynamoDBLocal(port=find_free_port())

    # When it starts and stops
    with server:
        process = server.process
        assert process is not None
        assert process.poll() is None

    # Then its process has exited and its port is free again
    assert process.poll() is not None
    assert server.process is None
    assert not runtime.port_is_taken(server.port)


def test_process_that_exits_early_is_reported(dynamodb_local: DynamoDBLocal) -> None:
    server = DynamoDBLocal(port=find_free_port(), startup_timeout_s=5)
    server.command = lambda _jar: ["false"]  # type: ignore[method-assign]

    with pytest.raises(DynamoDBLocalError, match="exited with code 1"):
        server.start()
    assert server.process is None
