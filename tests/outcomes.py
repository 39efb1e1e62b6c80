"""Sort a call on generated input into right, clear error or wrong, for the bad-input property tests.

``judge(function, call, names, right)`` runs ``call()``. It passes ("right") when the call returns and
``right(result)`` holds; it passes ("clear error") when the call raises one of the documented
``errors`` and the message names one of ``names`` (the argument at fault); anything else fails the
test ("wrong": a wrong answer, an undocumented exception, or a message that names no argument).

With ``DLREF_OUTCOMES=<file>`` set, each judged call appends ``function<TAB>outcome`` to that file, so a
run can be counted (``sort | uniq -c``); hypothesis' shrinking of a failure adds lines too, so count
on a passing run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

DOCUMENTED = (ValueError, TypeError)


def _record(function: str, outcome: str) -> None:
    path = os.environ.get("DLREF_OUTCOMES")
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(f"{function}\t{outcome}\n")


def judge(
    function: str,
    call: Callable[[], Any],
    names: Iterable[str],
    right: Callable[[Any], object] | None,
    errors: tuple[type[BaseException], ...] = DOCUMENTED,
) -> Any:
    """Run ``call``; ``right`` is ``None`` where the input is bad and only a clear error will do."""
    names = list(names)
    try:
        result = call()
    except errors as error:
        message = str(error)
        if right is not None or not any(name in message for name in names):
            _record(function, "wrong")
        if right is not None:
            raise AssertionError(f"{function} refused good input: {type(error).__name__}: {message}") from error
        if not any(name in message for name in names):
            raise AssertionError(f"{function}: the message names none of {names}: {message}") from error
        _record(function, "clear error")
        return None
    except Exception as error:
        _record(function, "wrong")
        raise AssertionError(f"{function} raised an undocumented {type(error).__name__}: {error}") from error
    if right is None:
        _record(function, "wrong")
        raise AssertionError(f"{function} accepted bad input and returned {result!r}")
    try:
        verdict = right(result)
    except AssertionError:
        _record(function, "wrong")
        raise
    if verdict is False:
        _record(function, "wrong")
        raise AssertionError(f"{function} returned a wrong result: {result!r}")
    _record(function, "right")
    return result
