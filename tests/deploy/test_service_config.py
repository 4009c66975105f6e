"""Each service starts with the settings that its Kubernetes ConfigMap and Secrets give it.

The ConfigMap of the aws overlay is turned into environment variables, the Secret files are
written where the Deployment mounts them (under a temporary directory), and only the table
endpoint and prefix point at empty tables on the test session's DynamoDB Local instead of AWS,
so that the inventory service's price feed writes nowhere that other tests read.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from common.settings import CommonSettings
from tests.deploy.manifests import config_for

SERVICE_MODULES = {
    "user-service": "user_service.main",
    "inventory-service": "inventory_service.main",
    "order-service": "order_service.main",
}


def mount_key(tmp_path: Path, mounted_path: str, pem: str) -> str:
    """Write `pem` under tmp_path at the path the Deployment mounts it; return the new path."""
    path = tmp_path / mounted_path.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(pem)
    return str(path)


@pytest.mark.parametrize("service", sorted(SERVICE_MODULES))
def test_service_starts_with_aws_config(
    service: str,
    fresh_tables: CommonSettings,
    jwt_keys: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    private_pem, public_pem = jwt_keys
    environment = config_for("aws", service)
    environment["CNOP_JWT_PUBLIC_KEY_FILE"] = mount_key(
        tmp_path, environment["CNOP_JWT_PUBLIC_KEY_FILE"], public_pem
    )
    if "CNOP_USER_JWT_PRIVATE_KEY_FILE" in environment:
        environment["CNOP_USER_JWT_PRIVATE_KEY_FILE"] = mount_key(
            tmp_path, environment["CNOP_USER_JWT_PRIVATE_KEY_FILE"], private_pem
        )
    environment["CNOP_DYNAMODB_ENDPOINT_URL"] = str(fresh_tables.dynamodb_endpoint_url)
    environment["CNOP_TABLE_PREFIX"] = fresh_tables.table_prefix
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    app = importlib.import_module(SERVICE_MODULES[service]).create_app()
    with TestClient(app) as client:
        live = client.get("/health/live")
        ready = client.get("/health/ready")

    assert live.status_code == 200
    assert ready.status_code == 200
    assert app.state.token_manager is not None
    assert app.state.settings.environment.value == "prod"
