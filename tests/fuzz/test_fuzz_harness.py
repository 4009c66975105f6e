"""The fuzz harness itself: it reports server errors and checks problem+json bodies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import schemathesis
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from common.api.app import API_PREFIX, create_service_app
from common.errors import PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA
from common.settings import CommonSettings
from tests.fuzz.test_api_fuzz import fuzz_schema


class Payment(BaseModel):
    amount: Decimal = Field(gt=0, decimal_places=2)


def build_app(settings: CommonSettings, *, broken: bool) -> FastAPI:
    router = APIRouter(prefix=API_PREFIX)

    @router.post("/pay")
    def pay(payment: Payment) -> dict[str, str]:
        if broken and payment.amount > 1:
            raise RuntimeError("bug")
        return {"paid": str(payment.amount)}

    return create_service_app(
        service="fuzz-test",
        title="Fuzz test",
        description="An app with one route that takes a body.",
        version="0",
        settings=settings,
        routers=[router],
        readiness_check=lambda: None,
    )


def test_fuzz_reports_server_error(jwt_keys: tuple[str, str]) -> None:
    app = build_app(CommonSettings(jwt_public_key=jwt_keys[1]), broken=True)

    failures = fuzz_schema(schemathesis.openapi.from_asgi("/openapi.json", app), {})

    assert len(failures) == 1
    assert failures[0].startswith("POST /api/v1/pay")


def test_fuzz_passes_correct_app(jwt_keys: tuple[str, str]) -> None:
    app = build_app(CommonSettings(jwt_public_key=jwt_keys[1]), broken=False)

    failures = fuzz_schema(schemathesis.openapi.from_asgi("/openapi.json", app), {})

    assert failures == []


def test_validation_error_documented_as_problem(jwt_keys: tuple[str, str]) -> None:
    # Given an app whose route validates a body
    app = build_app(CommonSettings(jwt_public_key=jwt_keys[1]), broken=False)

    # When the OpenAPI document and an invalid request are read
    documented: dict[str, Any] = app.openapi()["paths"]["/api/v1/pay"]["post"]["responses"]
    response = TestClient(app).post("/api/v1/pay", json={"amount": "-1"})

    # Then the 422 is declared as problem+json and the body matches that schema
    assert list(documented["422"]["content"]) == [PROBLEM_MEDIA_TYPE]
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert set(PROBLEM_SCHEMA["required"]) <= set(response.json())
    assert "HTTPValidationError" not in app.openapi().get("components", {}).get("schemas", {})
