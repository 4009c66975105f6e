"""The shared app factory: health, metrics, request ids and problem+json errors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from common.api.app import API_PREFIX, create_service_app
from common.dynamodb.models import check_table_reachable
from common.dynamodb.tables import USERS_TABLE
from common.errors import (
    InsufficientFundsError,
    NotFoundError,
    ValidationFailedError,
    problem_responses,
)
from common.settings import CommonSettings


class Payment(BaseModel):
    amount: Decimal = Field(gt=0, decimal_places=2)
    password: str = Field(min_length=8)


def build_client(settings: CommonSettings, readiness_ok: bool = True) -> TestClient:
    router = APIRouter(prefix=API_PREFIX)

    @router.post("/pay", responses=problem_responses(InsufficientFundsError))
    def pay(payment: Payment) -> dict[str, str]:
        if payment.amount > 100:
            raise InsufficientFundsError("Cash balance 100.00 USD is below 150.00 USD.")
        return {"paid": str(payment.amount)}

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("bug")

    def readiness() -> None:
        if not readiness_ok:
            raise ConnectionError("table unreachable")

    app = create_service_app(
        service="test-service",
        title="Test",
        description="test",
        version="0",
        settings=settings,
        routers=[router],
        readiness_check=readiness,
    )
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def settings(jwt_keys: tuple[str, str]) -> CommonSettings:
    return CommonSettings(jwt_public_key=jwt_keys[1])


def test_liveness_answers_ok(settings: CommonSettings) -> None:
    response = build_client(settings).get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_is_503_when_table_unreachable(settings: CommonSettings) -> None:
    response = build_client(settings, readiness_ok=False).get("/health/ready")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "service_unavailable"
    assert response.headers["retry-after"] == "5"


def test_request_id_is_kept_or_created(settings: CommonSettings) -> None:
    client = build_client(settings)

    kept = client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    created = client.get("/health/live", headers={"X-Request-ID": "bad id with spaces"})

    assert kept.headers["x-request-id"] == "abc-123"
    assert len(created.headers["x-request-id"]) == 32


def test_validation_error_names_field_without_input(settings: CommonSettings) -> None:
    response = build_client(settings).post(
        "/api/v1/pay", json={"amount": "1.234", "password": "pw-7chr"}
    )

    body = response.json()
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert body["code"] == "validation_error"
    assert {error["field"] for error in body["errors"]} == {"body.amount", "body.password"}
    assert "pw-7chr" not in response.text
    assert "1.234" not in response.text


def test_malformed_json_is_422_problem(settings: CommonSettings) -> None:
    response = build_client(settings).post(
        "/api/v1/pay", content=b"{not json", headers={"content-type": "application/json"}
    )

    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "validation_error"
    assert body["errors"][0]["field"] == "body"
    assert body["detail"].startswith("The request body is not valid JSON")


def test_domain_error_carries_code_and_request_id(settings: CommonSettings) -> None:
    response = build_client(settings).post(
        "/api/v1/pay",
        json={"amount": "150.00", "password": "long enough"},
        headers={"X-Request-ID": "r1"},
    )

    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "insufficient_funds"
    assert body["type"] == "urn:cnop:problem:insufficient_funds"
    assert body["request_id"] == "r1"
    assert body["instance"] == "/api/v1/pay"


def test_unknown_route_and_method_are_problems(settings: CommonSettings) -> None:
    client = build_client(settings)

    missing = client.get("/api/v1/nothing")
    wrong_method = client.get("/api/v1/pay")

    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"


def test_unhandled_error_is_500_problem_without_details(settings: CommonSettings) -> None:
    response = build_client(settings).get("/api/v1/boom")

    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "bug" not in response.text


def test_metrics_exposes_request_counter(settings: CommonSettings) -> None:
    client = build_client(settings)
    client.get("/health/live")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert "cnop_http_requests_total" in response.text


def test_cors_allows_only_listed_origins(settings: CommonSettings) -> None:
    client = build_client(settings)
    preflight = {"Access-Control-Request-Method": "POST"}

    allowed = client.options(
        "/api/v1/pay", headers={"Origin": "http://localhost:3000", **preflight}
    )
    denied = client.options("/api/v1/pay", headers={"Origin": "https://evil.example", **preflight})

    assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "access-control-allow-origin" not in denied.headers


def test_wildcard_cors_origin_is_rejected() -> None:
    with pytest.raises(ValueError, match="exact origins"):
        CommonSettings(cors_origins=["*"])


def test_readiness_check_reaches_real_table(tables: CommonSettings) -> None:
    check = check_table_reachable(tables, USERS_TABLE)

    check()


def test_readiness_check_fails_for_missing_table(tables: CommonSettings) -> None:
    missing = tables.model_copy(update={"table_prefix": "missing-"})
    check = check_table_reachable(missing, USERS_TABLE)

    with pytest.raises(Exception, match="non-existent table"):
        check()


def test_problem_responses_name_every_code_per_status() -> None:
    responses = problem_responses(InsufficientFundsError, ValidationFailedError, NotFoundError)

    unprocessable = responses[422]["content"]["application/problem+json"]
    not_found = responses[404]["content"]["application/problem+json"]
    assert set(unprocessable["examples"]) == {"insufficient_funds", "validation_error"}
    assert unprocessable["examples"]["insufficient_funds"]["value"]["status"] == 422
    assert not_found["example"]["code"] == "not_found"
