"""FastAPI dependencies that authenticate the bearer token and check the role."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from common.errors import ForbiddenError, UnauthorizedError
from common.security.tokens import AccessClaims, Role, TokenManager

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/v1/auth/login")


def get_token_manager(request: Request) -> TokenManager:
    manager: TokenManager | None = getattr(request.app.state, "token_manager", None)
    if manager is None:
        raise RuntimeError("app.state.token_manager is not set; the service was built without it")
    return manager


def get_current_claims(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    tokens: Annotated[TokenManager, Depends(get_token_manager)],
) -> AccessClaims:
    """Return the verified claims of the request's bearer token, or raise 401."""
    if credentials is None:
        raise UnauthorizedError("An 'Authorization: Bearer <access token>' header is required.")
    claims = tokens.verify_access_token(credentials.credentials)
    structlog.contextvars.bind_contextvars(username=claims.username)
    return claims


CurrentClaims = Annotated[AccessClaims, Depends(get_current_claims)]


def require_admin(claims: CurrentClaims) -> AccessClaims:
    if claims.role is not Role.ADMIN:
        raise ForbiddenError("This action needs the admin role.")
    return claims


AdminClaims = Annotated[AccessClaims, Depends(require_admin)]
