"""The service process's garbage-collector thresholds.

Why: CPython collects its youngest generation every 700 net container allocations. A command that
builds many objects that stay alive until its transaction commits (a ledger import's 20,000 rows,
each a few dicts, an event and an audit entry) makes every one of those collections walk the
survivors again: 15-20% of the import's CPU went to the collector. A young threshold of 10,000
(the older generations at 50 and 100) took the in-process import of 20,000 rows from about 3.7 s
to 3.2-3.3 s, and 50,000 to 3.1-3.2 s (bench/README.md, "Ledger import, third pass"). The event
consumer is the same case: a fetch in hand (up to four batches of 500 events, each an envelope, a
payload, dicts and rows) keeps more than 10,000 containers alive. At 10,000 it collected about
every 1,000 events, 1.3 us of CPU per event on the bus's critical path; at 50,000, the default, it
does not collect in a 20,000-event run (bench/README.md, "Session 37"). Objects are still freed
by reference counting as soon as they are dropped; only reference cycles wait longer, and a
larger young generation holds at most some MiB more.

It is set per process by the runner (`shared/web/runner.py`), not by the app factory: a test
process building many apps keeps its own collector.
"""

from __future__ import annotations

import gc

__all__ = ["tune_collector"]


def tune_collector(thresholds: tuple[int, int, int]) -> None:
    """Set this process's collection thresholds (`gc.set_threshold`).

    Args:
        thresholds: young, middle and old generation thresholds (settings `gc_thresholds`).
    """
    gc.set_threshold(*thresholds)
