# The three service tables. Keys, indexes, projections and the TTL attribute mirror
# services/common/dynamodb/tables.py; tests/deploy/test_schema_agreement.py applies this module
# to DynamoDB Local and fails on any difference from the tables the code creates.

locals {
  ttl_attribute = "expires_at"

  # Every index is keyed by two string attributes and projects ALL attributes.
  tables = {
    users = {
      GSI1 = { hash_key = "gsi1pk", range_key = "gsi1sk" }
    }
    inventory = {
      GSI1 = { hash_key = "gsi1pk", range_key = "gsi1sk" }
    }
    orders = {
      # One user's orders for one asset: sort key "<asset_id>#<created>#<order_id>".
      UserOrdersIndex = { hash_key = "username", range_key = "asset_order_sk" }
      # All of one user's orders: sort key "<created>#<order_id>".
      UserOrdersByTimeIndex = { hash_key = "username", range_key = "created_order_sk" }
    }
  }

  # DynamoDB requires an attribute definition for each key attribute of the table and its
  # indexes, and for no other attribute.
  key_attributes = {
    for table, indexes in local.tables : table => sort(distinct(concat(
      ["pk", "sk"],
      flatten([for index in values(indexes) : [index.hash_key, index.range_key]]),
    )))
  }
}

resource "aws_dynamodb_table" "service" {
  for_each = local.tables

  name                        = "${var.table_prefix}${each.key}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = local.key_attributes[each.key]
    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "global_secondary_index" {
    for_each = each.value
    content {
      name            = global_secondary_index.key
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = "ALL"
    }
  }

  ttl {
    attribute_name = local.ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  # Encryption at rest is always on; kms_key_arn null means the AWS managed key aws/dynamodb.
  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = merge(var.tags, { "cnop:table" = each.key })
}
