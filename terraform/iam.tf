# One IRSA role per service. Each role trusts only its own Kubernetes service account, through
# the cluster's OIDC provider, and may call only the DynamoDB actions on the tables and indexes
# that its service uses. No role may Scan, delete a table or change a table's settings.

locals {
  table_arns = module.tables.table_arns

  # Actions a service performs on the table it owns. TransactWriteItems is authorized per item
  # as PutItem, UpdateItem, DeleteItem or ConditionCheckItem; DescribeTable is the readiness probe.
  owner_item_actions = [
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
  ]

  # Index ARNs each owning service queries.
  owner_index_arns = {
    for table, indexes in module.tables.index_names :
    table => [for index in indexes : "${local.table_arns[table]}/index/${index}"]
  }

  kms_via_dynamodb = "dynamodb.${var.aws_region}.amazonaws.com"
}

data "aws_iam_policy_document" "assume" {
  for_each = local.services

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.eks_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.kubernetes_namespace}:${each.value}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.eks_oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "service" {
  for_each = local.services

  name                 = "${trimsuffix(var.table_prefix, "-")}-${each.value}"
  description          = "IRSA role of the cnop ${each.value} pods."
  assume_role_policy   = data.aws_iam_policy_document.assume[each.key].json
  max_session_duration = 3600
}

# The user service owns the users table: accounts, balances, ledger, refresh tokens, login
# throttling, idempotency records and audit events.
data "aws_iam_policy_document" "user" {
  statement {
    sid       = "OwnUsersTable"
    actions   = concat(local.owner_item_actions, ["dynamodb:DescribeTable"])
    resources = concat([local.table_arns["users"]], local.owner_index_arns["users"])
  }

  statement {
    sid       = "TableKeyThroughDynamoDB"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    resources = [aws_kms_key.tables.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.kms_via_dynamodb]
    }
  }
}

# The inventory service owns the inventory table: catalog, prices, price history, the
# price-writer lease and audit events.
data "aws_iam_policy_document" "inventory" {
  statement {
    sid       = "OwnInventoryTable"
    actions   = concat(local.owner_item_actions, ["dynamodb:DescribeTable"])
    resources = concat([local.table_arns["inventory"]], local.owner_index_arns["inventory"])
  }

  statement {
    sid       = "TableKeyThroughDynamoDB"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    resources = [aws_kms_key.tables.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.kms_via_dynamodb]
    }
  }
}

# The order service owns the orders table. Its order transaction also updates the trader's
# cash balance and writes a cash ledger entry in the users table, both in the trader's
# `USER#<username>` partition, and it reads assets and current prices (`ASSET#<asset_id>`)
# from the inventory table.
data "aws_iam_policy_document" "order" {
  statement {
    sid       = "OwnOrdersTable"
    actions   = concat(local.owner_item_actions, ["dynamodb:DescribeTable"])
    resources = concat([local.table_arns["orders"]], local.owner_index_arns["orders"])
  }

  statement {
    sid = "CashBalanceAndLedgerInOrderTransaction"
    actions = [
      "dynamodb:ConditionCheckItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]
    resources = [local.table_arns["users"]]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["USER#*"]
    }
  }

  statement {
    sid       = "ReadAssetsAndPrices"
    actions   = ["dynamodb:GetItem"]
    resources = [local.table_arns["inventory"]]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["ASSET#*"]
    }
  }

  statement {
    sid       = "TableKeyThroughDynamoDB"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    resources = [aws_kms_key.tables.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.kms_via_dynamodb]
    }
  }
}

locals {
  service_policies = {
    user      = data.aws_iam_policy_document.user.json
    inventory = data.aws_iam_policy_document.inventory.json
    order     = data.aws_iam_policy_document.order.json
  }
}

resource "aws_iam_role_policy" "service" {
  for_each = local.services

  name   = "dynamodb-access"
  role   = aws_iam_role.service[each.key].id
  policy = local.service_policies[each.key]
}
