"""Reporting's tables and API shapes, one module per feature."""
