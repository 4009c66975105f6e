output "table_names" {
  description = "Full table name by base name (users, inventory, orders)."
  value       = { for base, table in aws_dynamodb_table.service : base => table.name }
}

output "table_arns" {
  description = "Table ARN by base name (users, inventory, orders)."
  value       = { for base, table in aws_dynamodb_table.service : base => table.arn }
}

output "index_names" {
  description = "Global secondary index names by table base name."
  value       = { for base, indexes in local.tables : base => keys(indexes) }
}
