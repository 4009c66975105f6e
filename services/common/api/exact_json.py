"""A route class whose JSON bodies keep numbers exact.

The standard library parses `0.1` as a float before pydantic validates it, and accepts `NaN` and
`Infinity`. Routers built with `route_class=ExactJSONRoute` parse JSON numbers with a
fraction or exponent as `Decimal` and reject the non-standard constants with a 422, so
`{"amount": 0.1}` means exactly one tenth.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a valid JSON number", name, 0)


def loads_exact(text: str | bytes) -> Any:
    """Parse JSON with fractional numbers as Decimal; NaN and Infinity are decode errors."""
    return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)


class ExactJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_exact(await self.body())
        return self._json


class ExactJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact_handler(request: Request) -> Response:
            return await handler(ExactJSONRequest(request.scope, request.receive))

        return exact_handler
