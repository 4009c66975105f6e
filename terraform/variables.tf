variable "aws_region" {
  description = "AWS region of the tables, roles and repositories; the EKS cluster must run in it."
  type        = string
  default     = "us-east-1"
}

variable "table_prefix" {
  description = "Prefix of every table name; the aws overlay passes it to the services as CNOP_TABLE_PREFIX."
  type        = string
  default     = "cnop-"
}

variable "table_deletion_protection" {
  description = "Refuse DeleteTable on the service tables. Set it to false and apply before terraform destroy, never otherwise."
  type        = bool
  default     = true
}

variable "kubernetes_namespace" {
  description = "Namespace of the service accounts that may assume the service roles (the kustomize base uses cnop)."
  type        = string
  default     = "cnop"
}

variable "eks_oidc_provider_arn" {
  description = "ARN of the IAM OIDC identity provider of the existing EKS cluster (aws_iam_openid_connect_provider), for IRSA."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/", var.eks_oidc_provider_arn))
    error_message = "eks_oidc_provider_arn must be an IAM OIDC provider ARN, arn:aws:iam::<account>:oidc-provider/<issuer host and path>."
  }
}

variable "eks_oidc_issuer" {
  description = "OIDC issuer of the EKS cluster without the https:// scheme, for example oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF."
  type        = string

  validation {
    condition     = !startswith(var.eks_oidc_issuer, "https://")
    error_message = "eks_oidc_issuer must not start with https://; IAM condition keys use the bare host and path."
  }
}

variable "ecr_repository_prefix" {
  description = "Prefix of the ECR repository names; each service's repository is <prefix><service>."
  type        = string
  default     = "cnop/"
}

variable "ecr_untagged_image_days" {
  description = "Days after which ECR expires untagged images."
  type        = number
  default     = 14
}

variable "kms_deletion_window_days" {
  description = "Waiting period in days before AWS deletes the tables' KMS key once it is scheduled for deletion."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
