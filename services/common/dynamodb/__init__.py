"""DynamoDB access: table definitions, the PynamoDB model base and custom attributes."""
