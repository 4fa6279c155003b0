"""Runs the selected hostile cases two at a time (2 cores in CI), each in its own folder, and
hands each test its case's outcome; a test selected alone runs only its own case."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from .harness import Case, Outcome, execute

WORKERS = int(os.environ.get("TFG_HOSTILE_WORKERS", "2"))


class Pool:
    def __init__(self, cases: list[Case], factory: pytest.TempPathFactory) -> None:
        self._cases = cases
        self._factory = factory
        self._futures: dict[str, Future[Outcome]] = {}
        self._executor: ThreadPoolExecutor | None = None

    def _start(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=WORKERS)
        for case in self._cases:
            if case.id not in self._futures:
                folder = self._factory.mktemp(re.sub(r"[^A-Za-z0-9_-]", "_", case.id)[:40])
                self._futures[case.id] = self._executor.submit(execute, case, folder / "case")

    def get(self, case: Case) -> Outcome:
        if case.id not in {c.id for c in self._cases}:
            self._cases.append(case)
        if self._executor is None or case.id not in self._futures:
            if self._executor is not None:
                self._executor.shutdown(wait=False)
            self._start()
        return self._futures[case.id].result()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)


def _selected(session: pytest.Session) -> list[Case]:
    cases: dict[str, Case] = {}
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        for value in callspec.params.values():
            case = value if isinstance(value, Case) else getattr(value, "case", None)
            if isinstance(case, Case):
                cases.setdefault(case.id, case)
    return list(cases.values())


@pytest.fixture(scope="session")
def hostile(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    pool = Pool(_selected(request.session), tmp_path_factory)
    try:
        yield pool
    finally:
        pool.close()
