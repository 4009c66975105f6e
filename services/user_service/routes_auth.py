"""Routes under /api/v1/auth: accounts, sessions and the public signing key."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from common.api.app import API_PREFIX
from common.api.exact_json import ExactJSONRoute
from common.entities.users import User
from common.errors import (
    BEARER_ERRORS,
    EmailTakenError,
    InvalidCredentialsError,
    InvalidTokenError,
    NotFoundError,
    TooManyRequestsError,
    UsernameTakenError,
    ValidationFailedError,
    problem_responses,
)
from common.security.auth import CurrentClaims
from common.security.tokens import Role
from user_service import service_accounts, service_sessions
from user_service.dependencies import Context
from user_service.schemas import (
    Jwks,
    LoginRequest,
    PasswordChange,
    RefreshRequest,
    TokenPair,
    UserCreate,
    UserPublic,
    UserUpdate,
)

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"], route_class=ExactJSONRoute)


def _public(user: User) -> UserPublic:
    return UserPublic(
        username=user.username,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        role=Role(user.role),
        created_at=user.created_at,
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account with a zero USD balance",
    responses=problem_responses(ValidationFailedError, UsernameTakenError, EmailTakenError),
)
def register(data: UserCreate, ctx: Context) -> UserPublic:
    return _public(service_accounts.register(ctx, data))


@router.post(
    "/login",
    summary="Exchange username and password for an access and a refresh token",
    responses=problem_responses(
        InvalidCredentialsError, TooManyRequestsError, ValidationFailedError
    ),
)
def login(data: LoginRequest, ctx: Context) -> TokenPair:
    return service_sessions.login(ctx, data)


@router.post(
    "/refresh",
    summary="Rotate a refresh token: the old one stops working, reusing it ends the session",
    responses=problem_responses(InvalidTokenError, ValidationFailedError),
)
def refresh(data: RefreshRequest, ctx: Context) -> TokenPair:
    return service_sessions.refresh(ctx, data.refresh_token)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the session of a refresh token",
    responses=problem_responses(InvalidTokenError, ValidationFailedError),
)
def logout(data: RefreshRequest, ctx: Context) -> Response:
    service_sessions.logout(ctx, data.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/me",
    summary="The caller's profile",
    responses=problem_responses(*BEARER_ERRORS, NotFoundError),
)
def read_me(claims: CurrentClaims) -> UserPublic:
    return _public(service_accounts.get_user(claims.username))


@router.patch(
    "/me",
    summary="Change the caller's names or e-mail address",
    responses=problem_responses(
        *BEARER_ERRORS, NotFoundError, EmailTakenError, ValidationFailedError
    ),
)
def update_me(changes: UserUpdate, claims: CurrentClaims, ctx: Context) -> UserPublic:
    return _public(service_accounts.update_profile(ctx, claims.username, changes))


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change the password; every refresh token of the account stops working",
    responses=problem_responses(
        InvalidCredentialsError, TooManyRequestsError, ValidationFailedError
    ),
)
def change_password(data: PasswordChange, claims: CurrentClaims, ctx: Context) -> Response:
    service_accounts.change_password(ctx, claims.username, data)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/jwks.json", summary="Public key (JWKS) that verifies access tokens")
def jwks(ctx: Context) -> Jwks:
    return Jwks.model_validate(ctx.tokens.jwks())
