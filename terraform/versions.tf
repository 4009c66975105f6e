terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 6.0.0"
    }
  }

  # State stays local unless the operator passes an S3 backend at init time, for example
  # `terraform init -backend-config=backend.hcl` after uncommenting this block (see
  # docs/deployment.md).
  # backend "s3" {}
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(var.tags, { "app.kubernetes.io/part-of" = "cnop" })
  }
}
