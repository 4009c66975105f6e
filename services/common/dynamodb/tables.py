"""The three service tables, defined once, and an idempotent command that creates them.

Terraform declares the same tables for AWS; a schema-agreement test compares the two.

    python -m common.dynamodb.tables create   # uses CNOP_DYNAMODB_ENDPOINT_URL, CNOP_TABLE_PREFIX
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from typing import Any

import boto3
import structlog
from botocore.config import Config
from botocore.exceptions import ClientError

from common.settings import CommonSettings

log = structlog.get_logger(__name__)

TTL_ATTRIBUTE = "expires_at"


@dataclass(frozen=True)
class IndexSpec:
    name: str
    hash_key: str
    range_key: str


@dataclass(frozen=True)
class TableSpec:
    """One service's table: `pk`/`sk` string keys, string-keyed GSIs with ALL projection."""

    base_name: str
    indexes: tuple[IndexSpec, ...] = field(default_factory=tuple)
    hash_key: str = "pk"
    range_key: str = "sk"
    ttl_attribute: str = TTL_ATTRIBUTE

    def full_name(self, prefix: str) -> str:
        return f"{prefix}{self.base_name}"

    def create_table_kwargs(self, prefix: str) -> dict[str, Any]:
        """Return CreateTable arguments: on-demand billing, every key attribute a string."""
        key_names = {self.hash_key, self.range_key}
        for index in self.indexes:
            key_names.update((index.hash_key, index.range_key))
        kwargs: dict[str, Any] = {
            "TableName": self.full_name(prefix),
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": "S"} for name in sorted(key_names)
            ],
            "KeySchema": [
                {"AttributeName": self.hash_key, "KeyType": "HASH"},
                {"AttributeName": self.range_key, "KeyType": "RANGE"},
            ],
        }
        if self.indexes:
            kwargs["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": [
                        {"AttributeName": index.hash_key, "KeyType": "HASH"},
                        {"AttributeName": index.range_key, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in self.indexes
            ]
        return kwargs


# Users table: accounts, uniqueness items, cash balances, the cash ledger, refresh tokens,
# login throttling, idempotency records and audit events. GSI1 lists ledger entries by type.
USERS_TABLE = TableSpec(
    base_name="users",
    indexes=(IndexSpec("GSI1", "gsi1pk", "gsi1sk"),),
)

# Inventory table: the asset catalog, current prices, price ticks, the price-writer lease
# and audit events. GSI1 lists the catalog.
INVENTORY_TABLE = TableSpec(
    base_name="inventory",
    indexes=(IndexSpec("GSI1", "gsi1pk", "gsi1sk"),),
)

# Orders table: orders (order id as `pk`, `sk = "ORDER"`), asset balances, asset
# transactions, client order id claims and idempotency records.
ORDERS_TABLE = TableSpec(
    base_name="orders",
    indexes=(
        # A user's orders for one asset, newest first: sort key "<asset_id>#<created>#<id>".
        IndexSpec("UserOrdersIndex", "username", "asset_order_sk"),
        # All of a user's orders, newest first: sort key "<created>#<id>".
        IndexSpec("UserOrdersByTimeIndex", "username", "created_order_sk"),
    ),
)

ALL_TABLES = (USERS_TABLE, INVENTORY_TABLE, ORDERS_TABLE)


def dynamodb_client(settings: CommonSettings) -> Any:
    """Return a boto3 DynamoDB client for the configured endpoint and region."""
    return boto3.client(
        "dynamodb",
        region_name=settings.aws_region,
        endpoint_url=settings.dynamodb_endpoint_url,
        config=Config(
            connect_timeout=settings.dynamodb_connect_timeout_s,
            read_timeout=settings.dynamodb_read_timeout_s,
            retries={"max_attempts": settings.dynamodb_max_retry_attempts + 1, "mode": "standard"},
        ),
    )


def create_tables(
    client: Any, prefix: str, specs: tuple[TableSpec, ...] = ALL_TABLES, timeout_s: float = 60
) -> list[str]:
    """Create each missing table, wait until it is active and turn on TTL. Return the new names."""
    created = []
    for spec in specs:
        name = spec.full_name(prefix)
        try:
            client.create_table(**spec.create_table_kwargs(prefix))
            created.append(name)
            log.info("table.created", table=name)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceInUseException":
                raise
            log.info("table.exists", table=name)
        _wait_active(client, name, timeout_s)
        _enable_ttl(client, name, spec.ttl_attribute)
    return created


def delete_tables(client: Any, prefix: str, specs: tuple[TableSpec, ...] = ALL_TABLES) -> None:
    for spec in specs:
        try:
            client.delete_table(TableName=spec.full_name(prefix))
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise


def _wait_active(client: Any, name: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while client.describe_table(TableName=name)["Table"]["TableStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {name} did not become ACTIVE within {timeout_s:.0f} s")
        time.sleep(0.2)


def _enable_ttl(client: Any, name: str, attribute: str) -> None:
    current = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        return
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Create or delete the service tables.")
    parser.add_argument("action", choices=["create", "delete"])
    parser.add_argument("--prefix", help="table name prefix (default: CNOP_TABLE_PREFIX)")
    args = parser.parse_args(argv)
    settings = CommonSettings()
    prefix = settings.table_prefix if args.prefix is None else args.prefix
    client = dynamodb_client(settings)
    if args.action == "create":
        created = create_tables(client, prefix)
        print(f"tables ready with prefix {prefix!r}; newly created: {created or 'none'}")
    else:
        delete_tables(client, prefix)
        print(f"tables with prefix {prefix!r} deleted")


if __name__ == "__main__":
    main()
