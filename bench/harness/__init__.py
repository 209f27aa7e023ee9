"""The common harness: a benchmark starts a `Stack`, gets a `BenchContext`, meters each timed
stretch with `Meter`, and formats its figures with `stats` and `table`.

    from bench.harness import BenchContext, Meter, run_on_stack
"""

from bench.harness.batches import BatchCounts, count_batches
from bench.harness.cli import base_parser, quiet_fresh_topic_noise, run_on_stack, say
from bench.harness.context import BenchContext, Databases
from bench.harness.cpu import CpuProbe, Meter, Usage
from bench.harness.db_counter import DbCounter, DbCounts
from bench.harness.polling import cancel, wait_assigned, wait_until
from bench.harness.pools import warm_pool
from bench.harness.stack import Stack
from bench.harness.stats import median, median_run, ratio
from bench.harness.table import cpu_row, fact_lines

__all__ = [
    "BatchCounts",
    "BenchContext",
    "CpuProbe",
    "Databases",
    "DbCounter",
    "DbCounts",
    "Meter",
    "Stack",
    "Usage",
    "base_parser",
    "cancel",
    "count_batches",
    "cpu_row",
    "fact_lines",
    "median",
    "median_run",
    "quiet_fresh_topic_noise",
    "ratio",
    "run_on_stack",
    "say",
    "warm_pool",
    "wait_assigned",
    "wait_until",
]
