"""The active relay's leases, held in its memory: the id ranges and keys a lease leaves out."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from shared.bus.relay import LEASED_RANGES, _Leases


def rows(*pairs: tuple[int, str]) -> list[Any]:
    return [SimpleNamespace(id=row_id, partition_key=key) for row_id, key in pairs]


def test_with_nothing_leased_every_range_is_empty_and_no_key_is_held() -> None:
    leases = _Leases()
    assert leases.ranges() == {"p_lo0": 0, "p_hi0": -1, "p_lo1": 0, "p_hi1": -1}
    assert leases.keys() == set()
    leases.add([])  # an empty lease notes nothing
    assert leases.keys() == set()


def test_each_batch_leaves_out_its_lowest_to_highest_id_and_its_keys() -> None:
    leases = _Leases()
    first, second = rows((10, "a"), (14, "b")), rows((20, "c"))
    leases.add(second)
    leases.add(first)
    assert leases.ranges() == {"p_lo0": 10, "p_hi0": 14, "p_lo1": 20, "p_hi1": 20}
    assert leases.keys() == {"a", "b", "c"}
    leases.release(first)
    assert leases.ranges() == {"p_lo0": 20, "p_hi0": 20, "p_lo1": 0, "p_hi1": -1}
    assert leases.keys() == {"c"}
    leases.release(first)  # released twice (a failed send, then a confirmation): no error
    leases.release(second)
    assert leases.keys() == set()


def test_more_batches_than_ranges_are_merged_into_the_last_range() -> None:
    leases = _Leases()
    for lo, hi in ((1, 3), (30, 40), (7, 9)):
        leases.add(rows((lo, f"k{lo}"), (hi, f"k{hi}")))
    assert LEASED_RANGES == 2
    assert leases.ranges() == {"p_lo0": 1, "p_hi0": 3, "p_lo1": 7, "p_hi1": 40}


def test_the_blocked_keys_query_is_given_only_ranges_with_ids_not_leased() -> None:
    """A batch that leased every id from its lowest to its highest leaves no room for a row held
    back or committed late; one with a gap does, and so does a range merged from several."""
    leases = _Leases()
    whole, gapped = rows((10, "a"), (11, "b"), (12, "c")), rows((20, "d"), (23, "e"))
    leases.add(whole)
    leases.add(gapped)
    assert leases.ranges() == {"p_lo0": 10, "p_hi0": 12, "p_lo1": 20, "p_hi1": 23}
    assert leases.ranges(with_gaps_only=True) == {"p_lo0": 20, "p_hi0": 23, "p_lo1": 0, "p_hi1": -1}
    leases.release(gapped)
    assert leases.ranges(with_gaps_only=True) == {"p_lo0": 0, "p_hi0": -1, "p_lo1": 0, "p_hi1": -1}
    leases.add(rows((30, "f")))
    leases.add(rows((40, "g")))  # three batches: 30 and 40 merge into 30-40, ids 31-39 not leased
    assert leases.ranges(with_gaps_only=True) == {"p_lo0": 30, "p_hi0": 40, "p_lo1": 0, "p_hi1": -1}
