"""The pull feed: paging, cursor movement over unseen rows, type filter, visibility, minimisation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from services.notification.domain.feed import page
from services.notification.domain.minimise import minimise_data
from shared.access import OrganisationKind, Principal

OFFICE = Principal(subject="u-office", org_code="OFFICE", org_kind=OrganisationKind.OFFICE)
DISTRICT = Principal(
    subject="u-d", org_code="D-410102", org_kind=OrganisationKind.DISTRICT, district_code="410102"
)
UTILITY = Principal(subject="u-gas", org_code="GAS1", org_kind=OrganisationKind.UTILITY)

ACCEPTED = "registry.project.accepted.v1"
OTHER = "registry.community.registered.v1"


@dataclass(frozen=True)
class Row:
    seq: int | None
    event_type: str
    district_code: str | None
    content: str
    assigned_utilities: list[str] | None = None


def _row(seq: int | None, event_type: str = ACCEPTED, district: str | None = "410102", **data: Any) -> Row:
    envelope = {"id": f"e{seq}", "type": event_type, "data": {"district_code": district, **data}}
    return Row(seq, event_type, district, json.dumps(envelope))


def test_the_office_reads_every_row_in_order_and_the_cursor_is_the_last_seq() -> None:
    rows = [_row(3), _row(5), _row(8)]
    result = page(OFFICE, rows, after=2, limit=10)
    assert [item["id"] for item in result.items] == ["e3", "e5", "e8"]
    assert result.next_cursor == 8


def test_no_rows_keep_the_cursor_where_it_was() -> None:
    assert page(OFFICE, [], after=41, limit=10).next_cursor == 41
    assert page(OFFICE, [], after=41, limit=10).items == []


def test_a_full_page_stops_at_the_limit_and_the_cursor_at_its_last_event() -> None:
    rows = [_row(1), _row(2), _row(3), _row(4)]
    result = page(OFFICE, rows, after=0, limit=2)
    assert [item["id"] for item in result.items] == ["e1", "e2"]
    assert result.next_cursor == 2
    exactly = page(OFFICE, rows[:2], after=0, limit=2)
    assert exactly.next_cursor == 2


def test_rows_the_reader_may_not_see_still_move_the_cursor() -> None:
    rows = [_row(1, district="410102"), _row(2, district="410105"), _row(3, district="410105")]
    result = page(DISTRICT, rows, after=0, limit=10)
    assert [item["id"] for item in result.items] == ["e1"]
    assert result.next_cursor == 3


def test_a_row_without_seq_keeps_the_previous_cursor() -> None:
    result = page(OFFICE, [_row(4), _row(None)], after=0, limit=10)
    assert result.next_cursor == 4
    assert len(result.items) == 2


def test_a_type_filter_skips_other_types_but_moves_the_cursor() -> None:
    rows = [_row(1, OTHER), _row(2, ACCEPTED), _row(3, OTHER)]
    result = page(OFFICE, rows, after=0, limit=10, types=[ACCEPTED])
    assert [item["type"] for item in result.items] == [ACCEPTED]
    assert result.next_cursor == 3
    unfiltered = page(OFFICE, rows, after=0, limit=10, types=())
    assert len(unfiltered.items) == 3


def test_a_utility_sees_work_the_row_assigns_to_it_outside_the_payload() -> None:
    content = json.dumps({"id": "e1", "type": ACCEPTED, "data": {"district_code": "410102"}})
    mine = Row(1, ACCEPTED, "410102", content, assigned_utilities=["GAS1"])
    theirs = Row(2, ACCEPTED, "410102", content.replace('"e1"', '"e2"'), assigned_utilities=["WATER"])
    none = Row(3, ACCEPTED, "410102", content.replace('"e1"', '"e3"'), assigned_utilities=None)
    result = page(UTILITY, [mine, theirs, none], after=0, limit=10)
    assert [item["id"] for item in result.items] == ["e1"]
    assert result.next_cursor == 3


def test_items_are_minimised_for_the_reader_and_keep_the_envelope() -> None:
    data = {"district_code": "410102", "project_id": "p-1", "programme_code": "zhengzhou-2019"}
    content = json.dumps({"id": "e1", "type": ACCEPTED, "source": "urn:x", "data": data})
    row = Row(1, ACCEPTED, "410102", content, assigned_utilities=["GAS1"])
    (item,) = page(DISTRICT, [row], after=0, limit=10).items
    assert item["id"] == "e1"
    assert item["source"] == "urn:x"
    assert item["data"] == minimise_data(DISTRICT, ACCEPTED, data)
    assert "assigned_utilities" not in item["data"]


def test_an_envelope_without_data_is_read_as_empty() -> None:
    content = json.dumps({"id": "e1", "type": ACCEPTED})
    (item,) = page(OFFICE, [Row(1, ACCEPTED, None, content)], after=0, limit=10).items
    assert item["data"] == {}
    null = json.dumps({"id": "e2", "type": ACCEPTED, "data": None})
    (item,) = page(OFFICE, [Row(2, ACCEPTED, None, null)], after=0, limit=10).items
    assert item["data"] == {}


def test_a_district_reader_sees_an_event_whose_district_is_only_in_the_payload() -> None:
    content = json.dumps({"id": "e1", "type": ACCEPTED, "data": {"district_code": "410102"}})
    result = page(DISTRICT, [Row(1, ACCEPTED, None, content)], after=0, limit=10)
    assert [item["id"] for item in result.items] == ["e1"]


def test_a_district_reader_sees_an_event_whose_district_is_only_on_the_envelope() -> None:
    content = json.dumps({"id": "e1", "type": ACCEPTED, "data": {"project_id": "p-1"}})
    result = page(DISTRICT, [Row(1, ACCEPTED, "410102", content)], after=0, limit=10)
    assert [item["id"] for item in result.items] == ["e1"]
    other = page(DISTRICT, [Row(1, ACCEPTED, "410105", content)], after=0, limit=10)
    assert other.items == []


def test_a_utility_named_in_the_payload_sees_it_when_the_row_assigns_no_one() -> None:
    data = {"district_code": "410102", "assigned_utilities": ["GAS1"]}
    content = json.dumps({"id": "e1", "type": ACCEPTED, "data": data})
    result = page(UTILITY, [Row(1, ACCEPTED, "410102", content, assigned_utilities=None)], after=0, limit=10)
    assert [item["id"] for item in result.items] == ["e1"]
    empty = Row(2, ACCEPTED, "410102", content.replace('"e1"', '"e2"'), assigned_utilities=[])
    assert [item["id"] for item in page(UTILITY, [empty], after=0, limit=10).items] == ["e2"]
