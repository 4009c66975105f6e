variable "table_prefix" {
  description = "Prefix of every table name; the services read the same value from CNOP_TABLE_PREFIX."
  type        = string
  default     = "cnop-"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{0,64}$", var.table_prefix))
    error_message = "The table prefix may contain only letters, digits, '_', '.' and '-' (at most 64 characters)."
  }
}

variable "point_in_time_recovery" {
  description = "Turn on point-in-time recovery. Only the schema-agreement test turns it off, because DynamoDB Local has no backups."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse DeleteTable until this is turned off. Turn it off only to delete the tables on purpose."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the tables; null selects the AWS managed key aws/dynamodb (only the schema-agreement test on DynamoDB Local, which has no KMS)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every table."
  type        = map(string)
  default     = {}
}
