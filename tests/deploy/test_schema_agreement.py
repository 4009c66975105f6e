"""Schema agreement: the tables Terraform declares are the tables the code creates.

The Terraform tables module is applied to the test session's DynamoDB Local through the root
module terraform/test-fixtures/dynamodb-local, which points the AWS provider at 127.0.0.1
only. DynamoDB Local has no point-in-time recovery and no KMS, so that variant turns both off.
Everything compared here is the same in both variants: keys, attribute definitions, billing
mode, GSIs with their projections, and TTL. The code's tables come from
`common.dynamodb.tables.create_tables` under another prefix on the same server.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from common.dynamodb.tables import ALL_TABLES, create_tables
from devstack.dynamodb_local import DynamoDBLocal, local_client
from tests.deploy.conftest import TERRAFORM_DIR

FIXTURE_DIR = TERRAFORM_DIR / "test-fixtures" / "dynamodb-local"
TABLE_NAMES = [spec.base_name for spec in ALL_TABLES]


@dataclass(frozen=True)
class AppliedTables:
    """Both sets of tables on one DynamoDB Local, and a client for it."""

    client: Any
    terraform_prefix: str
    code_prefix: str
    terraform_table_names: dict[str, str]

    def describe(self, prefix: str, base_name: str) -> dict[str, Any]:
        table = self.client.describe_table(TableName=f"{prefix}{base_name}")["Table"]
        return dict(table)

    def ttl(self, prefix: str, base_name: str) -> dict[str, Any]:
        response = self.client.describe_time_to_live(TableName=f"{prefix}{base_name}")
        return dict(response["TimeToLiveDescription"])


def run_terraform(args: list[str], env: dict[str, str]) -> str:
    """Run one Terraform command in the fixture module; fail the test with its output."""
    result = subprocess.run(
        ["terraform", f"-chdir={FIXTURE_DIR}", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"terraform {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@pytest.fixture(scope="module")
def applied(
    dynamodb_local: DynamoDBLocal,
    terraform_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AppliedTables:
    """Apply the Terraform tables and create the code's tables, each under its own prefix."""
    suffix = uuid.uuid4().hex[:8]
    terraform_prefix, code_prefix = f"tf{suffix}-", f"py{suffix}-"
    state = tmp_path_factory.mktemp("terraform-state") / "terraform.tfstate"
    variables = [
        "-var",
        f"dynamodb_endpoint={dynamodb_local.endpoint_url}",
        "-var",
        f"table_prefix={terraform_prefix}",
    ]
    run_terraform(["init", "-input=false", "-no-color", "-backend=false"], terraform_env)
    run_terraform(
        ["apply", "-auto-approve", "-input=false", "-no-color", f"-state={state}", *variables],
        terraform_env,
    )
    outputs = json.loads(
        run_terraform(["output", "-json", "-no-color", f"-state={state}"], terraform_env)
    )

    client: Any = local_client(dynamodb_local.endpoint_url)
    create_tables(client, code_prefix)
    return AppliedTables(client, terraform_prefix, code_prefix, outputs["table_names"]["value"])


def key_schema(table: dict[str, Any]) -> list[tuple[str, str]]:
    return [(key["AttributeName"], key["KeyType"]) for key in table["KeySchema"]]


def attribute_definitions(table: dict[str, Any]) -> list[tuple[str, str]]:
    definitions = table["AttributeDefinitions"]
    return sorted((item["AttributeName"], item["AttributeType"]) for item in definitions)


def indexes(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return each GSI's key schema and projection by index name."""
    return {
        index["IndexName"]: {
            "keys": key_schema(index),
            "projection_type": index["Projection"]["ProjectionType"],
            "non_key_attributes": sorted(index["Projection"].get("NonKeyAttributes", [])),
        }
        for index in table.get("GlobalSecondaryIndexes", [])
    }


def test_terraform_declares_every_table(applied: AppliedTables) -> None:
    expected = {name: f"{applied.terraform_prefix}{name}" for name in TABLE_NAMES}

    assert applied.terraform_table_names == expected


@pytest.mark.parametrize("base_name", TABLE_NAMES)
def test_key_schema_matches(applied: AppliedTables, base_name: str) -> None:
    terraform = applied.describe(applied.terraform_prefix, base_name)
    code = applied.describe(applied.code_prefix, base_name)

    assert key_schema(terraform) == key_schema(code)


@pytest.mark.parametrize("base_name", TABLE_NAMES)
def test_attribute_definitions_match(applied: AppliedTables, base_name: str) -> None:
    terraform = applied.describe(applied.terraform_prefix, base_name)
    code = applied.describe(applied.code_prefix, base_name)

    assert attribute_definitions(terraform) == attribute_definitions(code)


@pytest.mark.parametrize("base_name", TABLE_NAMES)
def test_indexes_match(applied: AppliedTables, base_name: str) -> None:
    terraform = indexes(applied.describe(applied.terraform_prefix, base_name))
    code = indexes(applied.describe(applied.code_prefix, base_name))

    assert terraform.keys() == code.keys()
    for name, index in code.items():
        assert terraform[name] == index, f"index {name} of table {base_name} differs"


@pytest.mark.parametrize("base_name", TABLE_NAMES)
def test_billing_mode_matches(applied: AppliedTables, base_name: str) -> None:
    terraform = applied.describe(applied.terraform_prefix, base_name)
    code = applied.describe(applied.code_prefix, base_name)

    assert terraform["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert code["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


@pytest.mark.parametrize("base_name", TABLE_NAMES)
def test_ttl_matches(applied: AppliedTables, base_name: str) -> None:
    terraform = applied.ttl(applied.terraform_prefix, base_name)
    code = applied.ttl(applied.code_prefix, base_name)

    assert terraform.get("AttributeName") == code.get("AttributeName")
    assert terraform.get("TimeToLiveStatus") == "ENABLED"
    assert code.get("TimeToLiveStatus") == "ENABLED"


def test_deletion_protection_on(applied: AppliedTables) -> None:
    for base_name in TABLE_NAMES:
        table = applied.describe(applied.terraform_prefix, base_name)

        assert table.get("DeletionProtectionEnabled") is True, base_name
