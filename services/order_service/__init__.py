"""Order service: Market orders, asset balances and the portfolio."""

SERVICE_NAME = "order-service"
VERSION = "0.1.0"
