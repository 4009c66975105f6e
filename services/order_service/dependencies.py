"""FastAPI dependencies of the order service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from order_service.service import OrderPlacer

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25


def get_order_placer(request: Request) -> OrderPlacer:
    placer: OrderPlacer | None = getattr(request.app.state, "order_placer", None)
    if placer is None:
        raise RuntimeError("app.state.order_placer is not set; build the app with create_app")
    return placer


OrderPlacerDep = Annotated[OrderPlacer, Depends(get_order_placer)]

PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size, 1-100.")]
NextToken = Annotated[
    str | None,
    Query(max_length=2048, description="The next_token of the previous page."),
]
