"""Shared fixtures: DynamoDB Local for integration tests, moto for unit tests, keys, settings.

A test that uses the `dynamodb_local` fixture (directly or through `tables`) is marked
`integration` automatically; every other test is marked `unit`. DynamoDB Local starts once
per test session, in memory on a free loopback port, and stops at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from common.dynamodb.models import configure_models
from common.dynamodb.tables import create_tables, dynamodb_client
from common.security.tokens import generate_keypair
from common.settings import CommonSettings, Environment
from devstack.dynamodb_local import (
    DUMMY_ACCESS_KEY,
    DUMMY_REGION,
    DUMMY_SECRET_KEY,
    DynamoDBLocal,
    find_free_port,
)

# boto3 must never reach AWS from a test: dummy credentials, a fixed region, no metadata calls.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
        "AWS_DEFAULT_REGION": DUMMY_REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
)
os.environ.pop("AWS_PROFILE", None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "dynamodb_local" in fixtures:
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    """An in-memory DynamoDB Local on a free port, shared by the whole test session."""
    server = DynamoDBLocal(port=find_free_port(), startup_timeout_s=60)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def jwt_keys() -> tuple[str, str]:
    """An Ed25519 key pair (private PEM, public PEM) for the session."""
    return generate_keypair()


def make_settings(endpoint_url: str | None, public_pem: str, **overrides: Any) -> CommonSettings:
    values: dict[str, Any] = {
        "environment": Environment.TEST,
        "dynamodb_endpoint_url": endpoint_url,
        "aws_region": DUMMY_REGION,
        "table_prefix": f"t{uuid.uuid4().hex[:8]}-",
        "jwt_public_key": SecretStr(public_pem),
        "log_json": True,
        "dynamodb_max_retry_attempts": 0,
    }
    values.update(overrides)
    return CommonSettings(**values)


@pytest.fixture(scope="session")
def session_settings(dynamodb_local: DynamoDBLocal, jwt_keys: tuple[str, str]) -> CommonSettings:
    """Settings whose tables (one prefix per session) exist on DynamoDB Local."""
    settings = make_settings(dynamodb_local.endpoint_url, jwt_keys[1])
    create_tables(dynamodb_client(settings), settings.table_prefix)
    return settings


@pytest.fixture
def tables(session_settings: CommonSettings) -> CommonSettings:
    """Bind every model to the session's DynamoDB Local tables and return the settings.

    Tests share these tables, so each test uses its own usernames and ids.
    """
    configure_models(session_settings)
    return session_settings


@pytest.fixture
def fresh_tables(dynamodb_local: DynamoDBLocal, jwt_keys: tuple[str, str]) -> CommonSettings:
    """Empty tables under a new prefix, for tests that read a whole table."""
    settings = make_settings(dynamodb_local.endpoint_url, jwt_keys[1])
    create_tables(dynamodb_client(settings), settings.table_prefix)
    configure_models(settings)
    return settings


@pytest.fixture
def moto_tables(jwt_keys: tuple[str, str]) -> Iterator[CommonSettings]:
    """The three tables in moto's in-process DynamoDB, for fast unit tests of plain calls.

    moto ignores ClientRequestToken and mishandles concurrent transactions, so anything
    transactional, idempotent or concurrent belongs on `tables` instead.
    """
    from moto import mock_aws

    with mock_aws():
        settings = make_settings(None, jwt_keys[1])
        create_tables(dynamodb_client(settings), settings.table_prefix)
        configure_models(settings)
        yield settings


def unique_name(prefix: str = "user") -> str:
    """Return a lower-case name unique to one test, for data in shared tables."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"
