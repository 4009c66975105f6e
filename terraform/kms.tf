# Customer managed key for the tables: the account administers it, and the service roles use
# it only through DynamoDB (their policies carry the kms:ViaService condition).

data "aws_iam_policy_document" "tables_key" {
  # checkov:skip=CKV_AWS_109:A key policy's Resource "*" means this key only; the account root must keep administration or the key becomes unmanageable.
  # checkov:skip=CKV_AWS_111:A key policy's Resource "*" means this key only; write access is limited to the account's own IAM principals.
  # checkov:skip=CKV_AWS_356:A key policy's Resource "*" means this key only, never other resources.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "tables" {
  description             = "Encrypts the cnop DynamoDB tables (${var.table_prefix}*)."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = data.aws_iam_policy_document.tables_key.json
}

resource "aws_kms_alias" "tables" {
  name          = "alias/${trimsuffix(var.table_prefix, "-")}-tables"
  target_key_id = aws_kms_key.tables.key_id
}
