# Root module of the schema-agreement test only: the tables module applied to DynamoDB Local.
# Every AWS call goes to the loopback endpoint given in dynamodb_endpoint. The provider makes
# no STS, IAM or instance-metadata call because credential validation, account-id lookup and
# metadata access are skipped, and the credentials are DynamoDB Local's dummy values.
# DynamoDB Local (3.3) rejects UpdateContinuousBackups and has no KMS, so this variant turns
# point-in-time recovery and the customer managed key off; deletion protection stays on.

terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 6.0.0"
    }
  }
}

variable "dynamodb_endpoint" {
  description = "URL of the DynamoDB Local that receives the tables, on 127.0.0.1."
  type        = string

  validation {
    condition     = startswith(var.dynamodb_endpoint, "http://127.0.0.1:")
    error_message = "The schema-agreement test may only reach DynamoDB Local on http://127.0.0.1:<port>."
  }
}

variable "table_prefix" {
  description = "Prefix of the tables this test creates, unique per run."
  type        = string
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "cnoplocal"
  secret_key                  = "cnoplocalsecret" # checkov:skip=CKV_SECRET_6:DynamoDB Local dummy, not a credential
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    dynamodb = var.dynamodb_endpoint
  }
}

module "tables" {
  # checkov:skip=CKV_AWS_28:DynamoDB Local rejects UpdateContinuousBackups; the AWS root module turns point-in-time recovery on.
  # checkov:skip=CKV_AWS_119:DynamoDB Local has no KMS; the AWS root module encrypts the tables with a customer managed key.
  source = "../../modules/dynamodb-tables"

  table_prefix           = var.table_prefix
  point_in_time_recovery = false
  kms_key_arn            = null
}

output "table_names" {
  description = "Full table name by base name."
  value       = module.tables.table_names
}
