"""Exact decimal parsing of request bodies and the money schema types."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from common.api.exact_json import ExactJSONRoute, loads_exact
from common.api.problems import install_problem_handlers
from common.money import DecimalInput, UsdAmountInput, UsdString, check_step, to_decimal


class Deposit(BaseModel):
    amount: UsdAmountInput


class Echo(BaseModel):
    amount: UsdString


def client() -> TestClient:
    router = APIRouter(route_class=ExactJSONRoute)

    @router.post("/deposit")
    def deposit(body: Deposit) -> Echo:
        return Echo(amount=body.amount)

    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    return TestClient(app)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [('"0.1"', "0.10"), ("0.1", "0.10"), ("5", "5.00"), ('"12.30"', "12.30"), ("1e2", "100.00")],
)
def test_valid_amounts_parse_exactly(raw: str, expected: str) -> None:
    response = client().post(
        "/deposit", content=f'{{"amount": {raw}}}', headers={"content-type": "application/json"}
    )

    assert response.status_code == 200
    assert response.json() == {"amount": expected}


@pytest.mark.parametrize(
    "raw",
    ["NaN", "Infinity", "-Infinity", "1e309", '"NaN"', '"Infinity"', "-5", "0", "1.001",
     '"abc"', "true", "null", "0.30000000000000004"],
)  # fmt: skip
def test_invalid_amounts_are_422(raw: str) -> None:
    response = client().post(
        "/deposit", content=f'{{"amount": {raw}}}', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_loads_exact_keeps_decimal_digits() -> None:
    assert loads_exact('{"a": 0.30000000000000004}') == {"a": Decimal("0.30000000000000004")}


def test_to_decimal_rejects_too_many_digits() -> None:
    with pytest.raises(ValueError, match="significant digits"):
        to_decimal("1" * 29)


def test_to_decimal_rejects_out_of_range() -> None:
    with pytest.raises(ValueError, match="10\\^18"):
        to_decimal("1e18")
    with pytest.raises(ValueError, match="18 decimal places"):
        to_decimal("1e-19")


def test_to_decimal_accepts_float_by_shortest_repr() -> None:
    assert to_decimal(0.1) == Decimal("0.1")


def test_check_step_names_step() -> None:
    assert check_step(Decimal("0.00000002"), Decimal("1E-8"), "BTC quantity") == Decimal(
        "0.00000002"
    )
    with pytest.raises(ValueError, match=r"multiple of 0\.00000001"):
        check_step(Decimal("0.000000015"), Decimal("1E-8"), "BTC quantity")


def test_decimal_input_model_rejects_boolean() -> None:
    class Model(BaseModel):
        value: DecimalInput

    with pytest.raises(ValidationError):
        Model(value=True)
