"""Reading one line of JSON Lines input strictly, the same way in every reader.

Every reader of a file (``data import``, ``eval --data``, ``parse --input``, review and feedback
files) reads a line with :func:`load_line`, so one broken line is one :class:`LineError` naming
what is wrong, and never an exception that stops the rest of the file. Python's ``json.loads``
alone lets through what other JSON readers refuse, or raises what its callers do not expect:

- ``NaN``, ``Infinity``, ``1e999`` (not JSON: they would come back out as invalid JSON, and a
  label entry of NaN equals nothing);
- a number of thousands of digits (``ValueError`` from the int conversion limit, not a
  ``JSONDecodeError``);
- ``[[[[...`` nested thousands deep (``RecursionError``);
- ``"\\ud800"``, a lone surrogate: valid JSON text, but not a Unicode string that SQLite, a UTF-8
  file or a hash can take (checked with ``unicode=True``, for readers that store what they read).
"""
from __future__ import annotations

import json
import math
from typing import Any

_MAX_DIGITS = 400  # a price or an id, not a number nobody can use


class LineError(ValueError):
    """One line of input that cannot be used, and why (the reader adds the line number). Seen by
    CLI users as a warning naming the line, and in ``--json`` output; the other lines go on."""


def _constant(name: str) -> Any:
    raise LineError(f"invalid JSON: {name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise LineError(f"invalid JSON: the number {text[:40]} is out of range")
    return value


def _int(text: str) -> int:
    if len(text) > _MAX_DIGITS:
        raise LineError(f"invalid JSON: a number of {len(text)} digits")
    return int(text)


# One decoder for every line: building one per call costs more than a short line's parse.
_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_float, parse_int=_int)


def load_line(line: str, *, unicode: bool = True) -> Any:
    """The JSON value of ``line``; LineError when it is not strict JSON (see the module
    docstring). With ``unicode`` a string holding a lone surrogate is refused too."""
    try:
        value = _DECODER.decode(line)
    except LineError:
        raise
    except json.JSONDecodeError as exc:
        raise LineError(f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise LineError("invalid JSON: nested too deeply") from None
    except (ValueError, TypeError) as exc:
        raise LineError(f"invalid JSON: {exc}") from None
    # A lone surrogate comes from a \ud800 escape, or from bytes that were not UTF-8 (decoded
    # with surrogateescape); without either in the line no string of the value can hold one.
    if unicode and ("\\u" in line or not _encodes(line)):
        problem = unicode_problem(value)
        if problem:
            raise LineError(problem)
    return value


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unicode_problem(value: Any, where: str = "") -> str | None:
    """Why ``value`` (a JSON value) cannot be written as UTF-8, naming the key; None when it can."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            bad = value[exc.start]
            return (f"not valid Unicode{f' in {where!r}' if where else ''}: a lone surrogate "
                    f"\\u{ord(bad):04x} at character {exc.start} (bytes that are not UTF-8, or a "
                    "broken \\u escape)")
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = unicode_problem(key, where) or unicode_problem(item, where or str(key))
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = unicode_problem(item, where)
            if found:
                return found
    return None


def nonfinite_field(result: Any) -> str | None:
    """The first field of a ParseResult holding NaN or an infinity (a label such as
    ``{"entry": ["nan"]}`` converts to one), else None."""
    for name in ("entry", "stop_loss", "take_profits", "leverage", "stop_loss_pips", "take_profit_pips"):
        value = getattr(result, name, None)
        values = value if isinstance(value, (tuple, list)) else (value,)
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            return name
    for action in getattr(result, "actions", ()) or ():
        for name in ("price", "percent"):
            v = getattr(action, name, None)
            if isinstance(v, float) and not math.isfinite(v):
                return f"actions.{name}"
    return None
