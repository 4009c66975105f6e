output "table_names" {
  description = "Full DynamoDB table name by base name (users, inventory, orders)."
  value       = module.tables.table_names
}

output "service_role_arns" {
  description = "IRSA role ARN by service (user, inventory, order), for the service account annotations."
  value       = { for key, role in aws_iam_role.service : key => role.arn }
}

output "ecr_repository_urls" {
  description = "ECR repository URL by service (user, inventory, order), to push and reference images."
  value       = { for key, repository in aws_ecr_repository.service : key => repository.repository_url }
}

output "kustomize_values_env" {
  description = "Contents of kubernetes/overlays/aws/values.env, except the image references that the operator adds after pushing."
  value = join("\n", [
    "AWS_REGION=${var.aws_region}",
    "TABLE_PREFIX=${var.table_prefix}",
    "USER_ROLE_ARN=${aws_iam_role.service["user"].arn}",
    "INVENTORY_ROLE_ARN=${aws_iam_role.service["inventory"].arn}",
    "ORDER_ROLE_ARN=${aws_iam_role.service["order"].arn}",
    "",
  ])
}
