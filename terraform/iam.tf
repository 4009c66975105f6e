# One IRSA role per service. Each role trusts only its own Kubernetes service account, through
# the cluster's OIDC provider, and may call only the DynamoDB actions on the tables and indexes
# that its service uses. No role may Scan, delete a table or change a table's settings.

locals {
  table_arns = module.tables.table_arns

  # DynamoDB actions each service performs on the table it owns, read from its code.
  # TransactWriteItems is authorized per item as PutItem, UpdateItem, DeleteItem or
  # ConditionCheckItem, and DescribeTable is the readiness probe.
  owner_actions = {
    # Registration, sessions, cash and throttling; DeleteItem removes an old e-mail claim
    # and expired login-failure counters.
    user = [
      "dynamodb:ConditionCheckItem",
      "dynamodb:DeleteItem",
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
    # Catalog, prices (BatchGetItem reads several current prices at once), price history,
    # the price-writer lease (ConditionCheckItem), the catalog seed and audit events.
    inventory = [
      "dynamodb:BatchGetItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
    # Orders, client order id claims, asset balances and transactions, idempotency records
    # and audit events.
    order = [
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
  }

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
    actions   = local.owner_actions.user
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
    actions   = local.owner_actions.inventory
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
# cash balance and puts a cash ledger entry in the users table, and the portfolio reads the
# cash balance; all three items are in the trader's `USER#<username>` partition. It reads
# assets and current prices (`ASSET#<asset_id>`) from the inventory table.
# NOTE: IAM cannot restrict sort keys, so the order role could also write other items of a
# USER# partition (the profile, the daily counters); a dynamodb:Attributes allow-list would
# narrow that but has not been tried against AWS.
data "aws_iam_policy_document" "order" {
  statement {
    sid       = "OwnOrdersTable"
    actions   = local.owner_actions.order
    resources = concat([local.table_arns["orders"]], local.owner_index_arns["orders"])
  }

  statement {
    sid = "CashBalanceAndLedgerOfTraders"
    actions = [
      "dynamodb:GetItem",
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
