"""PynamoDB entities stored in the service tables, grouped by domain."""
