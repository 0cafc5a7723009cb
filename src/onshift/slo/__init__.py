"""SLOs, SLIs, error budgets and burn rates."""
