"""SQLite's WAL checkpoints run on a worker thread after commits, never inside a commit on the
event loop (`shared.db.wal_checkpoints`), on real database files."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import SQLITE_CACHE_KIB, create_engine, dispose_engine, wal_checkpoints
from shared.db.wal_checkpoints import WalCheckpoints


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT NOT NULL)"))


async def _insert(engine: AsyncEngine, first: int, rows: int) -> None:
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO item (id, label) VALUES (?, ?)",
            [(i, f"item {i}") for i in range(first, first + rows)],
        )


async def _settled(checkpoints: WalCheckpoints) -> None:
    for _ in range(500):
        if not checkpoints.running:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the checkpoint did not finish")


def _held_until_released(checkpoints: WalCheckpoints) -> tuple[threading.Event, list[int]]:
    """Make each checkpoint wait for the returned event; the list counts the checkpoints started."""
    release = threading.Event()
    runs: list[int] = []

    def held() -> tuple[int, int, int]:
        runs.append(1)
        release.wait(5)
        return (0, 0, 0)

    checkpoints.checkpoint = held  # type: ignore[method-assign]
    return release, runs


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    await _table(engine)
    yield engine
    await dispose_engine(engine)


async def test_a_file_engine_switches_sqlites_own_checkpoint_off_and_caches_more_pages(
    engine: AsyncEngine,
) -> None:
    assert isinstance(wal_checkpoints(engine), WalCheckpoints)
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar_one() == 0
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
        assert (await conn.execute(text("PRAGMA cache_size"))).scalar_one() == -SQLITE_CACHE_KIB


async def test_memory_and_aiosqlite_engines_keep_sqlites_own_checkpoint(tmp_path: Path) -> None:
    for url in ("sqlite://", f"sqlite+aiosqlite:///{tmp_path / 'threaded.db'}"):
        engine = create_engine(url)
        try:
            assert wal_checkpoints(engine) is None
            async with engine.connect() as conn:
                assert (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar_one() == 1000
        finally:
            await engine.dispose()


async def test_a_large_commit_is_checkpointed_on_another_thread(engine: AsyncEngine) -> None:
    checkpoints = wal_checkpoints(engine)
    assert checkpoints is not None
    threads: list[int] = []
    answers: list[tuple[int, int, int]] = []
    checkpoint = checkpoints.checkpoint

    def recording() -> tuple[int, int, int]:
        threads.append(threading.get_ident())
        answers.append(checkpoint())
        return answers[-1]

    checkpoints.checkpoint = recording  # type: ignore[method-assign]
    await _insert(engine, 0, checkpoints.every_changes)
    assert checkpoints.running  # started by the commit, not awaited by it
    await _settled(checkpoints)
    assert threads and threads[0] != threading.get_ident()
    busy, log_frames, copied = answers[0]
    assert busy == 0 and log_frames > 0 and copied == log_frames  # the whole commit copied back
    async with engine.connect() as conn:
        assert (
            await conn.execute(text("SELECT count(*) FROM item"))
        ).scalar_one() == checkpoints.every_changes


async def test_small_commits_wait_for_the_threshold_or_a_quiet_second(tmp_path: Path) -> None:
    clock = _Clock()
    checkpoints = WalCheckpoints(str(tmp_path / "wal.db"), every_changes=100, every_s=1.0, clock=clock)
    started: list[int] = []
    checkpoints.checkpoint = lambda: (started.append(1), (0, 0, 0))[1]  # type: ignore[method-assign]
    checkpoints.after_commit(60)
    assert not checkpoints.running and not started
    checkpoints.after_commit(0)
    assert not checkpoints.running
    checkpoints.after_commit(40)  # 100 rows in all: due at once
    assert checkpoints.running
    await _settled(checkpoints)
    assert started == [1]
    checkpoints.after_commit(5)  # a trickle: waits for the second to pass
    assert not checkpoints.running
    clock.now += 1.0
    checkpoints.after_commit(1)
    assert checkpoints.running
    await _settled(checkpoints)
    assert started == [1, 1]
    clock.now += 5.0
    checkpoints.after_commit(0)  # a commit that changed nothing starts nothing
    assert not checkpoints.running


async def test_commits_during_a_checkpoint_start_no_second_one(tmp_path: Path) -> None:
    checkpoints = WalCheckpoints(str(tmp_path / "wal.db"), every_changes=10, clock=_Clock())
    release, runs = _held_until_released(checkpoints)
    checkpoints.after_commit(10)
    checkpoints.after_commit(50)
    checkpoints.after_commit(50)
    release.set()
    await _settled(checkpoints)
    assert runs == [1]
    checkpoints.after_commit(0)  # the rows counted meanwhile start the next one
    await _settled(checkpoints)
    assert runs == [1, 1]


async def test_a_failed_checkpoint_is_logged_and_the_next_commit_tries_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    checkpoints = WalCheckpoints(str(tmp_path / "wal.db"), every_changes=1, clock=_Clock())
    outcomes = iter([sqlite3.OperationalError("disk I/O error"), (0, 3, 3)])

    def flaky() -> tuple[int, int, int]:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    checkpoints.checkpoint = flaky  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="shared.db.wal_checkpoints"):
        checkpoints.after_commit(1)
        await _settled(checkpoints)
    assert "disk I/O error" in caplog.text
    checkpoints.after_commit(1)
    assert checkpoints.running
    await _settled(checkpoints)


def test_without_an_event_loop_a_due_checkpoint_runs_at_once(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    with sqlite3.connect(path, isolation_level=None) as writer:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("CREATE TABLE item (id INTEGER PRIMARY KEY)")
        writer.executemany("INSERT INTO item VALUES (?)", [(i,) for i in range(50)])
        checkpoints = WalCheckpoints(str(path), every_changes=50)
        checkpoints.after_commit(50)
        assert not checkpoints.running
        busy, log_frames, copied = writer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    checkpoints.close()
    assert busy == 0 and log_frames > 0 and copied == log_frames


def test_a_failing_checkpoint_without_a_loop_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    checkpoints = WalCheckpoints(str(tmp_path / "wal.db"), every_changes=1)

    def failing() -> tuple[int, int, int]:
        raise sqlite3.OperationalError("database disk image is malformed")

    checkpoints.checkpoint = failing  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="shared.db.wal_checkpoints"):
        checkpoints.after_commit(1)  # the commit it follows succeeded: nothing is raised
    assert "malformed" in caplog.text


def test_a_commit_while_the_loop_is_stopping_starts_no_checkpoint(tmp_path: Path) -> None:
    checkpoints = WalCheckpoints(str(tmp_path / "wal.db"), every_changes=1)
    loop = asyncio.new_event_loop()  # a loop of its own: the tests' loop keeps its executor
    try:
        loop.run_until_complete(loop.shutdown_default_executor())  # what asyncio.run does as it ends

        async def commit() -> None:
            checkpoints.after_commit(1)

        loop.run_until_complete(commit())
    finally:
        loop.close()
    assert not checkpoints.running


async def test_disposing_the_engine_closes_the_checkpointer_last_and_the_log_goes(tmp_path: Path) -> None:
    path = tmp_path / "closing.db"
    engine = create_engine(f"sqlite:///{path}")
    await _table(engine)
    checkpoints = wal_checkpoints(engine)
    assert checkpoints is not None
    await _insert(engine, 0, checkpoints.every_changes)  # opens the checkpointing connection
    await _settled(checkpoints)
    await _insert(engine, checkpoints.every_changes, 10)  # left in the log
    wal = tmp_path / "closing.db-wal"
    assert wal.exists()
    await dispose_engine(engine)
    assert not wal.exists()  # the last connection copied what was left and removed the log
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT count(*) FROM item").fetchone()[0] == checkpoints.every_changes + 10


def test_a_checkpoint_whose_loop_closed_does_not_hold_back_the_next(tmp_path: Path) -> None:
    checkpoints = WalCheckpoints(str(tmp_path / "wal.db"), every_changes=1)
    release, runs = _held_until_released(checkpoints)

    async def commit() -> None:
        checkpoints.after_commit(1)

    first = asyncio.new_event_loop()
    first.run_until_complete(commit())
    assert checkpoints.running
    first.close()  # before the checkpoint could report back
    release.set()
    second = asyncio.new_event_loop()
    try:
        second.run_until_complete(commit())
        assert checkpoints.running  # a new one started on the live loop
        second.run_until_complete(_settled(checkpoints))
    finally:
        second.close()
    assert len(runs) == 2
