"""Unit tests: passwords, signing keys, settings and cursors, without DynamoDB."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from common.errors import InvalidCursorError, InvalidTokenError
from common.pagination import decode_key, encode_key
from common.security.password import Argon2Parameters, PasswordManager
from common.security.refresh import new_refresh_token, parse_refresh_token
from common.security.tokens import Role, generate_keypair
from common.settings import CommonSettings, Environment
from user_service.keys import SigningKeyError, build_token_manager
from user_service.settings import UserServiceSettings

CHEAP = Argon2Parameters(time_cost=1, memory_cost_kib=64, parallelism=1)


def test_password_hash_verifies() -> None:
    passwords = PasswordManager(CHEAP)

    stored = passwords.hash("a long passphrase")

    assert passwords.verify("a long passphrase", stored).valid
    assert not passwords.verify("another phrase", stored).valid


def test_unknown_user_never_verifies() -> None:
    assert not PasswordManager(CHEAP).verify("anything", None).valid


def test_corrupt_hash_is_a_mismatch() -> None:
    assert not PasswordManager(CHEAP).verify("anything", "$argon2id$v=19$m=64,t=1,p=1$bad").valid


def test_changed_parameters_rehash() -> None:
    old = PasswordManager(CHEAP).hash("a long passphrase")
    stronger = PasswordManager(Argon2Parameters(time_cost=2, memory_cost_kib=64, parallelism=1))

    check = stronger.verify("a long passphrase", old)

    assert check.valid
    assert check.updated_hash is not None
    assert "t=2" in check.updated_hash


def test_refresh_token_round_trip() -> None:
    token = new_refresh_token()

    parsed = parse_refresh_token(token.value)

    assert parsed.family_id == token.family_id
    assert parsed.token_hash == token.token_hash
    with pytest.raises(InvalidTokenError):
        parse_refresh_token(token.value + "x")


def common_for(environment: Environment, public_pem: str | None = None) -> CommonSettings:
    return CommonSettings(
        environment=environment, jwt_public_key=SecretStr(public_pem) if public_pem else None
    )


def test_prod_without_key_raises() -> None:
    with pytest.raises(SigningKeyError):
        build_token_manager(UserServiceSettings(), common_for(Environment.PROD))


@pytest.mark.parametrize(
    "pem", ["CHANGE_ME", "-----BEGIN PRIVATE KEY-----\nplaceholder\n", "secret"]
)
def test_placeholder_key_raises(pem: str) -> None:
    settings = UserServiceSettings(jwt_private_key=SecretStr(pem))

    with pytest.raises(SigningKeyError):
        build_token_manager(settings, common_for(Environment.PROD))


def test_dev_without_key_generates_one() -> None:
    manager = build_token_manager(UserServiceSettings(), common_for(Environment.DEV))

    token, _claims = manager.issue_access_token("ada", Role.CUSTOMER)

    assert manager.verify_access_token(token).username == "ada"


def test_key_file_derives_public_key(tmp_path: Path) -> None:
    private_pem, public_pem = generate_keypair()
    key_file = tmp_path / "jwt-private.pem"
    key_file.write_text(private_pem)
    settings = UserServiceSettings(jwt_private_key_file=key_file)

    manager = build_token_manager(settings, common_for(Environment.PROD))

    assert (
        manager.jwks()
        == build_token_manager(settings, common_for(Environment.PROD, public_pem)).jwks()
    )


def test_mismatched_public_key_raises() -> None:
    settings = UserServiceSettings(jwt_private_key=SecretStr(generate_keypair()[0]))

    with pytest.raises(ValueError, match="does not match"):
        build_token_manager(settings, common_for(Environment.PROD, generate_keypair()[1]))


def test_password_bounds_must_be_ordered() -> None:
    with pytest.raises(ValidationError):
        UserServiceSettings(password_min_length=40, password_max_length=20)


def test_cursor_round_trip() -> None:
    key = {"pk": {"S": "USER#ada"}, "sk": {"S": "TXN#1"}}
    token = encode_key(key)
    assert token is not None

    decoded = decode_key(token, fixed={"pk": "USER#ada"}, patterns={"sk": re.compile("TXN#.+")})

    assert decoded == key
    assert encode_key(None) is None


def test_cursor_with_number_value_is_rejected() -> None:
    import base64

    token = base64.urlsafe_b64encode(b'{"pk": 1}').decode()

    with pytest.raises(InvalidCursorError):
        decode_key(token, fixed={"pk": "USER#ada"}, patterns={})
