"""The mutation runner's own rules: which files a change puts under mutation, how a score counts,
and what it clears from mutmut's tree between runs (issue 14)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from scripts.mutation import _drop_stale_copies, changed_scopes, rejudge_missed, score


def test_a_change_mutates_only_the_scoped_python_files_it_touches() -> None:
    chosen = changed_scopes(
        [
            "services/funding/domain/awards.py",
            "services/funding/handlers/awards.py",
            "services/funding/api/awards.py",  # routes: in no scope
            "shared/bus/relay.py",
            "shared/policy/profiles/kaifeng-2019.yaml",  # data, not code
            "README.md",
        ]
    )
    by_scope = {scope.name.split("-")[0]: scope.only_mutate for scope in chosen}
    assert by_scope == {
        "bus": ("shared/bus/relay.py",),
        "domain": ("services/funding/domain/awards.py",),
        "handlers": ("services/funding/handlers/awards.py",),
    }


def test_a_change_outside_every_scope_mutates_nothing() -> None:
    assert changed_scopes(["README.md", "tests/unit/test_money.py", "docs/receivers.md"]) == []


def test_a_narrowed_scope_keeps_its_aim_and_gets_its_own_work_directory() -> None:
    (bus,) = changed_scopes(["shared/bus/relay.py"])
    (other,) = changed_scopes(["shared/bus/consumer.py"])
    assert bus.aim == 0.70
    assert bus.name != other.name and bus.name.startswith("bus-")


def test_uncovered_mutants_count_as_missed_and_timeouts_as_caught() -> None:
    statuses = Counter({"killed": 6, "timeout": 1, "survived": 2, "no tests": 1, "skipped": 5})
    assert score(statuses) == (7, 2, 1, 0.7)


def test_a_scope_with_no_judged_mutant_scores_nothing_missed() -> None:
    assert score(Counter({"skipped": 3})) == (0, 0, 0, 1.0)


def test_between_runs_only_mutmut_verdicts_and_their_mutated_files_stay(tmp_path: Path) -> None:
    mutants = tmp_path / "mutants"
    (mutants / "shared" / "policy").mkdir(parents=True)
    (mutants / "tests" / "unit").mkdir(parents=True)
    kept = [
        mutants / "shared" / "money.py",
        mutants / "shared" / "money.py.meta",
        mutants / "shared" / "money.py.spans",
    ]
    stale = [
        mutants / "shared" / "policy" / "projections.yaml",
        mutants / "shared" / "policy" / "loader.py",  # not mutated: copied afresh each run
        mutants / "tests" / "unit" / "test_gone.py",
    ]
    for path in kept + stale:
        path.write_text("x")
    _drop_stale_copies(mutants)
    assert [p for p in kept if p.exists()] == kept
    assert [p for p in stale if p.exists()] == []
    assert not (mutants / "tests").exists()


def test_a_first_run_has_no_tree_to_clear(tmp_path: Path) -> None:
    _drop_stale_copies(tmp_path / "mutants")
    assert not (tmp_path / "mutants").exists()


def test_rejudging_forgets_only_survived_and_uncovered_verdicts(tmp_path: Path) -> None:
    meta = tmp_path / "mutants" / "shared" / "money.py.meta"
    meta.parent.mkdir(parents=True)
    verdicts = {"m_1": 0, "m_2": 1, "m_3": 33, "m_4": -24, "m_5": None}
    meta.write_text(json.dumps({"exit_code_by_key": verdicts, "other": "kept"}))
    assert rejudge_missed(tmp_path / "mutants") == 2
    data = json.loads(meta.read_text())
    assert data["exit_code_by_key"] == {"m_1": None, "m_2": 1, "m_3": None, "m_4": -24, "m_5": None}
    assert data["other"] == "kept"
