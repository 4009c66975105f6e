"""Inventory service: Asset catalog and current market prices."""

SERVICE_NAME = "inventory-service"
VERSION = "0.1.0"
