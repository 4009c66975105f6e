"""Authentication and audit shared by the services."""
