"""Fixtures for fault-injection tests: each test starts with no injector and clean models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from common.faults import forget_injectors


@pytest.fixture(autouse=True)
def no_leftover_injectors() -> Iterator[None]:
    forget_injectors()
    yield
    forget_injectors()
