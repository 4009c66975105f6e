"""User service: Accounts, authentication and USD cash balances."""

SERVICE_NAME = "user-service"
VERSION = "0.1.0"
