"""httpcore asks which async library runs on every request it sends (webhooks, the outbound
guard's clients). It answers by importing sniffio; when sniffio was missing (anyio 4.16 stopped
bringing it) each request searched sys.path for it and failed, a third of a webhook's CPU."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

from httpcore._synchronization import current_async_library


class RecordingFinder(MetaPathFinder):
    """Sees every import that is not already in sys.modules."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        self.asked.append(fullname)
        return None


async def test_telling_the_async_library_imports_nothing_per_request() -> None:
    assert current_async_library() == "asyncio"  # first call may import what it needs
    finder = RecordingFinder()
    sys.meta_path.insert(0, finder)
    try:
        for _ in range(20):
            assert current_async_library() == "asyncio"
    finally:
        sys.meta_path.remove(finder)
    assert finder.asked == []
