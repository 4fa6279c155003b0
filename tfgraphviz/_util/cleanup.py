"""What an abrupt end (a signal, the watchdog) must undo: callbacks that stages register."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["abandon", "at_abandon"]

_CALLBACKS: list[Callable[[], None]] = []


def at_abandon(callback: Callable[[], None]) -> Callable[[], None]:
    """Run `callback` when the process is abandoned (once per callback, in register order)."""
    if callback not in _CALLBACKS:
        _CALLBACKS.append(callback)
    return callback


def abandon() -> None:
    """Run every registered callback; one that fails does not stop the others."""
    for callback in list(_CALLBACKS):
        try:
            callback()
        except Exception:  # noqa: BLE001 -- the process is ending: undo what can be undone
            pass
