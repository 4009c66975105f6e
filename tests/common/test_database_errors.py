"""A DynamoDB call that fails after botocore's retries: 503 when transient, 500 otherwise."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pynamodb.exceptions import GetError, QueryError, UpdateError

from common.api.problems import install_problem_handlers
from common.dynamodb.errors import error_code


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "test"}}, "GetItem")


def app_raising(error: Exception) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/item")
    def read_item() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    "error",
    [
        GetError("read failed", cause=client_error("ThrottlingException")),
        QueryError("query failed", cause=client_error("ProvisionedThroughputExceededException")),
        GetError("read failed", cause=ReadTimeoutError(endpoint_url="http://127.0.0.1:1")),
    ],
)
def test_transient_database_error_is_503(error: Exception) -> None:
    response = app_raising(error).get("/item")

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "1"


def test_other_database_error_is_500() -> None:
    response = app_raising(GetError("bad", cause=client_error("ValidationException"))).get("/item")

    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"


def test_error_code_of_each_cause() -> None:
    reset = ConnectionClosedError(endpoint_url="http://127.0.0.1:1")

    assert error_code(UpdateError("x", cause=client_error("ConditionalCheckFailedException"))) == (
        "ConditionalCheckFailedException"
    )
    assert error_code(UpdateError("x", cause=reset)) is None
    assert error_code(UpdateError("x")) is None
