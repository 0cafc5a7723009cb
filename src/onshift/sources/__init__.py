"""Adapters that read SLI data: counts CSV, request logs, the Prometheus HTTP API."""
