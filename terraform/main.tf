# Everything the platform needs in AWS besides the EKS cluster: the service tables, the KMS key
# that encrypts them, one IRSA role per service and one ECR repository per image. The cluster
# is an existing one, identified by its IAM OIDC provider (see docs/deployment.md).

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  services = {
    user      = "user-service"
    inventory = "inventory-service"
    order     = "order-service"
  }
}

module "tables" {
  source = "./modules/dynamodb-tables"

  table_prefix           = var.table_prefix
  point_in_time_recovery = true
  deletion_protection    = var.table_deletion_protection
  kms_key_arn            = aws_kms_key.tables.arn
}
