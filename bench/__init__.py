"""Benchmarks: scripts run by hand (`python -m bench.<name>`), not part of the test suite.

`bench.harness` is what every benchmark reuses (start Kafka and PostgreSQL, meter CPU, count
database round trips, medians, ratios, table rows); `bench.bus` holds the bus scenarios, and
`bench.bus_throughput` is their entry point.
"""
