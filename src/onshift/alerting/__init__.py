"""Multi-window, multi-burn-rate alerting: evaluation, replay and Prometheus rules."""
