"""Reporting's HTTP routes, one module per feature."""
