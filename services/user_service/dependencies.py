"""FastAPI dependencies of the user service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from user_service.context import UserContext


def get_context(request: Request) -> UserContext:
    context: UserContext = request.app.state.user_context
    return context


Context = Annotated[UserContext, Depends(get_context)]
