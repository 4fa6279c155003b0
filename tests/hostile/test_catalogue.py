"""The hostile-input catalogue (issue 14): each case runs the real CLI in a fresh process and
must end with its documented exit code, one clear line a problem, no traceback, nothing outside
-o touched, earlier outputs intact and every written file valid (see harness.py). Cases run two
at a time (tests/hostile/conftest.py); the names share one process, checked name by name."""

from __future__ import annotations

import pytest

from .cases_contents import CONTENTS
from .cases_names import NAMES, OWN, Name
from .cases_world import BIG, CONCURRENT, DISK, EARLIER, PATHS, SIGNALS
from .harness import Case, Outcome, check, check_function

pytestmark = pytest.mark.slow

CATALOGUE = [*CONTENTS, *OWN, *PATHS, *EARLIER, *SIGNALS, *DISK, *CONCURRENT, *BIG]
_checked: dict[str, Outcome] = {}


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.id, marks=marks)


def test_catalogue_is_big_enough():
    ids = [c.id for c in CATALOGUE] + [f"name-{n!r}" for n in NAMES]
    assert len(ids) == len(set(ids)) and len(ids) >= 150, len(ids)


@pytest.mark.parametrize("case", [_param(c) for c in CATALOGUE])
def test_hostile_case(hostile, case):
    check(hostile.get(case))


@pytest.mark.parametrize("name", [pytest.param(Name(n), id=ascii(n)[:60]) for n in NAMES])
def test_hostile_name(hostile, name):
    """The shared run holds every rule (checked once), and this name is drawn under its own
    exact name with files inside -o."""
    outcome = hostile.get(name.case)
    if name.case.id not in _checked:
        check(outcome)
        _checked[name.case.id] = outcome
    assert outcome.out is not None
    check_function(outcome.out, name.name)
