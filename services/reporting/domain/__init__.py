"""Reporting's pure rules: periods in Asia/Shanghai and what each event adds to the figures."""
