"""Fuzz every parse entry point and every reader of files with hypothesis-generated input.

    python benchmarks/fuzz.py                      # 100,000 cases over every target: an hour or two on 2 cores
    python benchmarks/fuzz.py --cases 5000 --only parse,import-jsonl --seed 3 --json

A case is one text, one line or one record: ``Host.parse`` and ``Host.parse_many`` get texts,
``signalos parse --input`` and ``eval --data`` files of JSON lines, ``data import`` files in each
format (JSON Lines, CSV, plain text, a Telegram ``result.json``), ``data review import`` and
``data feedback --corrections`` files of JSON lines, and ``signalos serve``'s ``POST /v1/parse`` and
``/v1/parse/batch`` texts (in-process, with the ``serve`` extra; skipped and said so without it).
The commands run in-process, each on its own workspace. What must hold, whatever the input:

- no exception escapes (a whole file that cannot be read is one ``Error:`` line and exit 1);
- every input line (record, Telegram message) comes out once: a parse, a stored message or a
  skipped line named with its position; a line that cannot be read is never taken as a good one;
- every line or report written is strict JSON (no ``NaN``, no ``Infinity``).

A broken invariant is a finding: ``crash``, ``lost`` (lines in != lines out), ``not-json`` or
``wrong`` (a bad line read as good, or the reverse). The report counts them per target, with the
number of lines the ``lost`` findings lost (``lost_lines``), and shows the first few with the
input that caused them. ``tests/test_fuzz.py`` runs the same targets on a
few hundred cases, derandomized, in the test suite.

The generators are hypothesis strategies, used here without shrinking (each finding is kept as
drawn); ``--seed`` makes a run repeatable. ``hostile=True`` adds the shapes that broke readers
before (lone surrogates, a BOM, deep nesting, 5,000-digit numbers, ``NaN`` tokens, input keys
named ``line`` and ``error``, Telegram fields of unexpected types).
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

# the inputs ----------------------------------------------------------------------------------------

WORDS = [
    "BUY", "SELL", "buy", "sell", "LONG", "SHORT", "Buy Limit", "sell stop", "NOW", "CMP", "@", "Entry",
    "GOLD", "XAUUSD", "EURUSD", "EUR/USD", "#BTC/USDT", "$ETH", "US30", "DAX", "oil", "SL", "Sl:",
    "Stop loss", "TP", "TP1", "TP2:", "Target", "pips", "%", "20x", "BE", "breakeven", "close", "half",
    "cancel", "hit", "stopped out", "move", "to", "стоп", "ЗОЛОТО", "покупка", "خرید", "حد ضرر", "AHORA",
    "✅", "🚀", "(", ")", "-", "–", "/", ":", ",", ".", "\n", "  ", "\t", "RR 1:3",
]
NUMBERS = st.one_of(
    st.floats(0, 1e6, allow_nan=False).map(lambda x: f"{x:.4f}"),
    st.integers(0, 10**12).map(str),
    st.sampled_from(["0", "-5", "1e308", "1e999", "inf", "nan", "NaN", "Infinity", "27,400", "1,0850",
                     "19.450", "42 350", "30K", ".1", "1.", "۱۲۳۴.۵", "2350-55"]),
)
# Characters that end a line for one reader or another (\r for universal newlines); a generated
# line leaves them out so that "one line in" means the same to every reader.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
plain_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)
surrogate_text = st.text(st.characters(), max_size=40)  # lone surrogates included
word_salad = st.lists(st.one_of(st.sampled_from(WORDS), NUMBERS), max_size=30).map(" ".join)


def message_text(hostile: bool = False) -> st.SearchStrategy[str]:
    """Text of a message: any unicode, or words and numbers as signals are written."""
    return st.one_of(plain_text, word_salad, *([surrogate_text] if hostile else []))


def _one_line(text: str) -> str:
    return "".join(" " if c in LINE_BREAKS else c for c in text)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9),
                    st.floats(allow_nan=False, allow_infinity=False), plain_text.map(lambda s: s[:20]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@st.composite
def labels(draw, hostile: bool = False) -> Any:
    """A schema object, most of the time a sound one, else something near it or nothing like it."""
    kind = draw(st.sampled_from(["signal", "signal", "update", "noise", "junk"]))
    price = st.floats(0.0001, 1e6, allow_nan=False)
    if kind == "signal":
        entry = sorted(draw(st.lists(price, min_size=1, max_size=2)))
        label = {"kind": "signal", "symbol": draw(st.sampled_from(["XAUUSD", "EURUSD", "BTCUSDT", None, "x y"])),
                 "direction": draw(st.sampled_from(["buy", "sell", None, "up"])), "order_type": None,
                 "entry": entry, "stop_loss": draw(st.one_of(st.none(), price)),
                 "take_profits": draw(st.lists(price, max_size=3)), "leverage": None, "stop_loss_pips": None,
                 "take_profit_pips": []}
    elif kind == "update":
        label = {"kind": "update", "symbol": draw(st.sampled_from(["XAUUSD", None])),
                 "actions": [{"type": draw(st.sampled_from(["tp_hit", "breakeven", "close", "moon"])),
                              "price": None, "percent": None, "tp": None}]}
    elif kind == "noise":
        label = {"kind": "noise"}
    else:
        return draw(json_values)
    if hostile and draw(st.booleans()) and kind == "signal":
        label["entry"] = [math.nan]  # written as NaN: a label no schema allows
    return label


def _dumps(obj: Any, ascii_only: bool) -> str:
    return json.dumps(obj, ensure_ascii=ascii_only)


@st.composite
def jsonl_lines(draw, hostile: bool = False, with_labels: bool = False) -> list[tuple[str, bool | None]]:
    """Lines of a JSON Lines file, each with whether a reader must take it as a good record
    (True), must name it as skipped (False), or may do either (None: a label that may or may not
    hold, which only changes whether the message keeps it)."""
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        shape = draw(st.sampled_from(["object"] * 6 + ["not-json", "not-object", "no-text", "text-not-str"]
                                     + (["hostile"] * 3 if hostile else [])))
        ascii_only = draw(st.booleans())
        if shape == "object":
            text = draw(message_text().filter(lambda s: s.strip()))
            obj: dict[str, Any] = {"text": text}
            extra = draw(st.dictionaries(st.sampled_from(["id", "provider", "language", "note", "uncertain",
                                                          "multi", "date", "chat_id", "x"]), json_values,
                                         max_size=3))
            obj.update(extra)
            if with_labels or draw(st.booleans()):
                obj["label"] = draw(labels())
            lines.append((_dumps(obj, ascii_only), True))
        elif shape == "not-json":
            junk = draw(st.text(st.characters(exclude_categories=("Cs",), exclude_characters=LINE_BREAKS),
                                min_size=1, max_size=60).filter(lambda s: s.strip()))
            try:
                json.loads(junk)
                continue  # it was JSON after all ("1", "true")
            except ValueError:
                lines.append((junk, False))
        elif shape == "not-object":
            value = draw(json_values.filter(lambda v: not isinstance(v, dict)))
            lines.append((_dumps(value, ascii_only), False))
        elif shape == "no-text":
            obj = draw(st.dictionaries(st.sampled_from(["id", "label", "provider"]), json_values, max_size=3))
            lines.append((_dumps(obj, ascii_only), False))
        elif shape == "text-not-str":
            obj = {"text": draw(json_values.filter(lambda v: not isinstance(v, str))), "id": 1}
            lines.append((_dumps(obj, ascii_only), False))
        else:
            lines.append(draw(hostile_line()))
    return [(_one_line(raw) if ok is not True else raw, ok) for raw, ok in lines]


@st.composite
def hostile_line(draw) -> tuple[str, bool | None]:
    """A line of a shape that broke the readers once."""
    text = json.dumps(draw(word_salad.filter(lambda s: s.strip())) or "x")
    shape = draw(st.sampled_from(["surrogate-text", "surrogate-key", "deep", "huge-number", "nan",
                                  "carried-line-error", "bom-inside", "nan-label"]))
    if shape == "surrogate-text":
        return '{"text": "gold buy \\ud800 now", "id": 7}', None  # a reader may keep or skip it, never crash
    if shape == "surrogate-key":
        return '{"text": %s, "id": "\\udfff"}' % text, None
    if shape == "deep":
        depth = draw(st.integers(1000, 100_000))
        return "[" * depth + "]" * draw(st.sampled_from([0, depth])), False
    if shape == "huge-number":
        return '{"text": %s, "id": %s}' % (text, "9" * draw(st.integers(4300, 6000))), None
    if shape == "nan":
        return '{"text": %s, "id": %s}' % (text, draw(st.sampled_from(["NaN", "Infinity", "-Infinity"]))), None
    if shape == "carried-line-error":
        return '{"text": %s, "line": 3, "error": "not mine"}' % text, True
    if shape == "bom-inside":
        return "\ufeff" + '{"text": %s}' % text, None
    return '{"text": %s, "label": {"kind": "signal", "symbol": "XAUUSD", "direction": "buy", "entry": [NaN]}}' % text, None


# the checks ----------------------------------------------------------------------------------------

class NotStrictJSON(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise NotStrictJSON(f"{name} is not JSON")


def strict_loads(text: str) -> Any:
    """``json.loads`` that refuses NaN and Infinity, as every other JSON reader does."""
    return json.loads(text, parse_constant=_reject_constant)


class Finding(Exception):
    """One broken invariant: ``kind`` is crash, lost, not-json or wrong; ``lines`` is how many
    input lines a ``lost`` finding lost (or came out twice)."""

    def __init__(self, kind: str, detail: str, lines: int = 0):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.lines = lines


def _refused(result: Any) -> bool:
    """The command stopped with one ``Error:`` line and exit 1 (``signalos.cli.main`` turns a
    SignalosError into that; in-process the exception itself is the result)."""
    from signalos.errors import SignalosError

    return isinstance(result.exception, SignalosError) or (
        result.exit_code == 1 and "Error:" in result.output and "Traceback" not in result.output)


def _crash(result: Any) -> None:
    """A Click result whose command died of an exception (not a clean ``Error:`` exit)."""
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit) and not _refused(result):
        tb = "".join(traceback.format_exception(*result.exc_info))[-1500:] if result.exc_info else repr(exc)
        raise Finding("crash", f"{type(exc).__name__}: {exc}\n{tb}")


# Exit statuses of a command that read a file: 0 when every line was taken, 3 when some were
# named as skipped (signalos.cli.exitcodes).
DONE, LINES_SKIPPED = 0, 3


def _status(result: Any, skipped: int) -> None:
    """The exit status says whether lines were skipped, and nothing else went wrong."""
    _crash(result)
    if result.exit_code not in (DONE, LINES_SKIPPED):
        raise Finding("crash", f"exit {result.exit_code}: {result.output[-600:]}")
    if (result.exit_code == LINES_SKIPPED) != bool(skipped):
        raise Finding("wrong", f"exit {result.exit_code} with {skipped} lines named as skipped")


def _report(result: Any, problems: Callable[[dict[str, Any]], int] = lambda r: len(r["problems"])) -> dict[str, Any]:
    """The ``--json`` report of a command, read strictly, its exit status checked against it."""
    _crash(result)
    if result.exit_code not in (DONE, LINES_SKIPPED):
        raise Finding("crash", f"exit {result.exit_code}: {result.output[-600:]}")
    try:
        report = strict_loads(result.stdout)
    except ValueError as exc:
        raise Finding("not-json", f"{exc}: {result.stdout[:300]}") from None
    _status(result, problems(report))
    return report


def _file_error_is_clean(result: Any) -> bool:
    """A whole file refused with one ``Error:`` line and exit 1: a named skip of everything."""
    _crash(result)
    return _refused(result)


def _write_lines(path: Path, lines: list[str], bom: bool = False) -> None:
    data = ("\ufeff" if bom else "") + "".join(line + "\n" for line in lines)
    path.write_bytes(data.encode("utf-8", errors="surrogatepass"))


_HOST = None


def host():
    """One host with the regex parser and the evaluators, shared by every target: building one
    costs more than a thousand parses, and what is fuzzed is the reading, not the start-up."""
    global _HOST
    if _HOST is None:
        import signalos_eval
        import signalos_regex

        from signalos.testing import make_host

        _HOST = make_host(signalos_regex, signalos_eval)
    return _HOST


def cli(args: list[str]) -> Any:
    """Run the ``signalos`` command line in-process on the shared host, as ``run_cli`` does;
    returns Click's result."""
    from typer.testing import CliRunner

    from signalos.cli import build_app

    return CliRunner().invoke(build_app(host_factory=lambda config_path: host()), args)


def check_outcome(outcome: Any, where: str) -> None:
    try:
        strict_loads(json.dumps(outcome.to_dict(with_attempts=True)))
    except (NotStrictJSON, ValueError) as exc:
        raise Finding("not-json", f"{where}: {exc}") from None
    if outcome.result.kind not in ("signal", "update", "noise"):
        raise Finding("wrong", f"{where}: kind {outcome.result.kind!r}")


# the targets: each takes what its strategy drew and a fresh directory, returns the number of
# cases it ran, and raises Finding on a broken invariant

def run_parse(texts: list[str], tmp: Path) -> int:
    h = host()
    for text in texts:
        try:
            outcome = h.parse(text)
        except Exception as exc:  # Host.parse promises never to raise
            raise Finding("crash", f"Host.parse({text[:80]!r}): {type(exc).__name__}: {exc}") from None
        check_outcome(outcome, f"Host.parse({text[:80]!r})")
    return len(texts)


def run_parse_many(texts: list[str], tmp: Path) -> int:
    try:
        outcomes = host().parse_many(texts)
    except Exception as exc:
        raise Finding("crash", f"Host.parse_many of {len(texts)}: {type(exc).__name__}: {exc}") from None
    if len(outcomes) != len(texts):
        raise Finding("lost", f"Host.parse_many: {len(texts)} texts in, {len(outcomes)} outcomes out",
                      abs(len(texts) - len(outcomes)))
    for text, outcome in zip(texts, outcomes):
        check_outcome(outcome, f"Host.parse_many([{text[:80]!r}])")
    return len(texts)


def run_parse_cli(drawn: tuple[list[tuple[str, bool | None]], int, bool], tmp: Path) -> int:
    lines, batch, bom = drawn
    path = tmp / "in.jsonl"
    _write_lines(path, [raw for raw, _ in lines], bom=bom)
    result = cli(["parse", "--input", str(path), "--json", "--batch", str(batch)])
    _crash(result)
    if result.exit_code not in (DONE, LINES_SKIPPED):
        raise Finding("crash", f"exit {result.exit_code}: {result.output[-600:]}")
    out = [line for line in result.stdout.split("\n") if line]
    if len(out) != len(lines):
        raise Finding("lost", f"{len(lines)} lines in, {len(out)} out", abs(len(lines) - len(out)))
    errors = 0
    for number, ((raw, ok), line) in enumerate(zip(lines, out), 1):
        try:
            obj = strict_loads(line)
        except ValueError as exc:
            raise Finding("not-json", f"line {number} {raw[:80]!r} -> {line[:200]!r}: {exc}") from None
        # The documented contract: a bad line is {"line": N, "error": ...}; a reader tells one by its "error"
        is_error = isinstance(obj, dict) and "error" in obj
        if is_error and obj.get("line") != number:
            raise Finding("wrong", f"line {number} {raw[:80]!r} -> an error line naming line {obj.get('line')!r}")
        if ok is not None and is_error == ok:
            raise Finding("wrong", f"line {number} {raw[:80]!r} read as {'an error' if is_error else 'a parse'}")
        if not is_error and obj.get("kind") not in ("signal", "update", "noise"):
            raise Finding("wrong", f"line {number} {raw[:80]!r} -> no kind: {line[:200]!r}")
        errors += is_error
    _status(result, errors)
    return len(lines)


def _import(path: Path, fmt: str, tmp: Path, *extra: str) -> dict[str, Any] | None:
    result = cli(["data", "import", str(path), "--format", fmt, "--workspace", str(tmp / "ws"), "--json", *extra])
    if _file_error_is_clean(result):
        return None
    return _report(result)


def _positions(report: dict[str, Any]) -> set[str]:
    return {p["position"] for p in report["problems"] if not p["message_kept"]}


def _stored(tmp: Path) -> int:
    import sqlite3

    con = sqlite3.connect(tmp / "ws" / "signalos.db")
    try:
        return con.execute("SELECT count(*) FROM messages").fetchone()[0]
    finally:
        con.close()


def _account(report: dict[str, Any], expected: int, tmp: Path, what: str) -> None:
    named = len(_positions(report))
    out = report["records"] + named + report.get("ignored", 0)
    if out != expected:
        raise Finding("lost", f"{what}: {expected} in, {report['records']} read + {named} named as skipped "
                              f"+ {report.get('ignored', 0)} ignored", abs(expected - out))
    stored = _stored(tmp)
    if stored != report["added"] or report["added"] + report["skipped"] != report["records"]:
        raise Finding("lost", f"{what}: {report['records']} read, {report['added']} added, {report['skipped']} "
                              f"already there, {stored} stored",
                      max(abs(stored - report["added"]), abs(report["records"] - report["added"] - report["skipped"])))


def _one_json_list(lines: list[tuple[str, bool | None]]) -> list[Any] | None:
    """The items when the whole file is one JSON list (``[...]`` on its one line): the reader
    takes such a file as a ``.json`` export, one record per item, so ``[]`` holds no message."""
    if len(lines) != 1 or not lines[0][0].startswith("["):
        return None
    try:
        value = strict_loads(lines[0][0])
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, list) else None


def run_import_jsonl(drawn: tuple[list[tuple[str, bool | None]], bool], tmp: Path) -> int:
    lines, bom = drawn
    path = tmp / "in.jsonl"
    _write_lines(path, [raw for raw, _ in lines], bom=bom)
    report = _import(path, "jsonl", tmp)
    if report is None:
        raise Finding("lost", "a JSON Lines file refused whole", len(lines))
    items = _one_json_list(lines)
    if items is not None:  # one record per item, each object kept or named by its index
        _account(report, len(items), tmp, "jsonl (one JSON list)")
        return max(len(items), 1)
    _account(report, len(lines), tmp, "jsonl")
    skipped = _positions(report)
    for number, (raw, ok) in enumerate(lines, 1):
        named = f"line {number}" in skipped
        if ok is not None and named == ok:
            raise Finding("wrong", f"line {number} {raw[:80]!r} {'skipped' if named else 'read as a message'}")
    return len(lines)


@st.composite
def csv_files(draw, hostile: bool = False) -> tuple[bytes, int]:
    """A CSV file (bytes) with a ``text`` column and the number of its data rows."""
    columns = ["text"] + draw(st.lists(st.sampled_from(["id", "provider", "label", "language", "uncertain", "note"]),
                                       unique=True, max_size=3))
    columns = draw(st.permutations(columns))
    cell = st.one_of(message_text(hostile), json_values.map(json.dumps), st.just(""))
    rows = []
    for _ in range(draw(st.integers(1, 10))):
        width = draw(st.sampled_from([len(columns)] * 4 + [1, len(columns) + 1]))
        row = [draw(cell) for _ in range(width)]
        if row == [""] * width and width == 1:
            row = ["x"]
        rows.append(row)
    buf = io.StringIO()
    # A cell holding a bare CR is quoted only when CR is part of the line terminator: otherwise
    # the file would be ambiguous (a reader may take the CR as a line end), so quote every cell.
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    writer = csv.writer(buf, lineterminator=terminator,
                        quoting=csv.QUOTE_MINIMAL if terminator == "\r\n" else csv.QUOTE_ALL)
    writer.writerow(columns)
    writer.writerows(rows)
    bom = hostile and draw(st.booleans())
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8", errors="surrogatepass"), len(rows)


def run_import_csv(drawn: tuple[bytes, int], tmp: Path) -> int:
    data, rows = drawn
    path = tmp / "in.csv"
    path.write_bytes(data)
    report = _import(path, "csv", tmp)
    if report is None:
        raise Finding("lost", "a CSV file with a 'text' column refused whole", rows)
    _account(report, rows, tmp, "csv")
    return rows


@st.composite
def text_files(draw, hostile: bool = False) -> tuple[bytes, int, bool]:
    """A plain-text file, the number of messages in it, and whether it is read one per line."""
    line = message_text(hostile).map(_one_line).filter(lambda s: s.strip())
    blocks = draw(st.lists(st.lists(line, min_size=1, max_size=3), min_size=1, max_size=8))
    per_line = draw(st.booleans())
    gap = draw(st.sampled_from(["\n\n", "\n \n", "\n\n\n"]))
    body = gap.join("\n".join(b) for b in blocks) + draw(st.sampled_from(["", "\n"]))
    if draw(st.booleans()):
        body = body.replace("\n", "\r\n")
    bom = hostile and draw(st.booleans())
    data = (("\ufeff" if bom else "") + body).encode("utf-8", errors="surrogatepass")
    return data, sum(len(b) for b in blocks) if per_line else len(blocks), per_line


def run_import_text(drawn: tuple[bytes, int, bool], tmp: Path) -> int:
    data, messages, per_line = drawn
    path = tmp / "in.txt"
    path.write_bytes(data)
    report = _import(path, "text", tmp, *(["--per-line"] if per_line else []))
    if report is None:
        raise Finding("lost", "a text file refused whole", messages)
    _account(report, messages, tmp, "text")
    return messages


@st.composite
def telegram_exports(draw, hostile: bool = False) -> tuple[bytes, int]:
    """A Telegram Desktop export and the number of message entries in it (a chat that is not an
    object counts as one entry: it must be named)."""
    entity = st.fixed_dictionaries({"type": st.sampled_from(["bold", "link", "plain"]), "text": message_text()})
    text = st.one_of(message_text(), st.lists(st.one_of(message_text(), entity), max_size=3))
    message = st.fixed_dictionaries(
        {"id": st.integers(1, 10**6), "type": st.sampled_from(["message"] * 5 + ["service"]),
         "date": st.just("2026-01-02T03:04:05"), "text": text},
        optional={"from": plain_text, "from_id": st.just("channel1"), "reply_to_message_id": st.integers(1, 99),
                  "edited": st.just("2026-01-02T03:05:00"), "photo": st.just("photos/1.jpg")})
    if hostile:
        message = st.one_of(message, st.dictionaries(
            st.sampled_from(["id", "type", "date", "text", "from", "edited", "reply_to_message_id"]),
            json_values, max_size=5), json_values)
    chat = st.fixed_dictionaries({"name": plain_text, "type": st.just("public_channel"), "id": st.integers(1, 10**9),
                                  "messages": st.lists(message, max_size=8)})
    if hostile:
        chat = st.one_of(chat, st.fixed_dictionaries({"name": json_values, "id": json_values,
                                                       "messages": st.lists(message, max_size=4)}), json_values)
    chats = draw(st.lists(chat, min_size=1, max_size=3))
    data: Any = chats[0] if len(chats) == 1 and isinstance(chats[0], dict) and draw(st.booleans()) \
        else {"about": "export", "chats": {"about": "chats", "list": chats}}
    entries = sum(_entries(c) for c in chats)
    raw = json.dumps(data, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1])))
    bom = hostile and draw(st.booleans())
    return (("\ufeff" if bom else "") + raw).encode("utf-8", errors="surrogatepass"), entries


def _entries(chat: Any) -> int:
    """Message entries of one chat: its messages, none when it has none, one (to be named) when
    the chat or its message list is not what an export holds."""
    if not isinstance(chat, dict):
        return 1
    messages = chat.get("messages")
    return len(messages) if isinstance(messages, list) else 0 if messages is None else 1


def run_import_telegram(drawn: tuple[bytes, int], tmp: Path) -> int:
    data, entries = drawn
    path = tmp / "result.json"
    path.write_bytes(data)
    report = _import(path, "telegram", tmp)
    if report is None and entries:  # a file holding no message refused ("{}"): nothing lost
        raise Finding("lost", "a Telegram export refused whole", entries)
    if report is None:
        return 1
    _account(report, entries, tmp, "telegram")
    return max(entries, 1)


def run_eval(drawn: tuple[list[tuple[str, bool | None]], bool], tmp: Path) -> int:
    lines, bom = drawn
    path = tmp / "labelled.jsonl"
    _write_lines(path, [raw for raw, _ in lines], bom=bom)
    result = cli(["eval", "--data", str(path), "--json", "--keep-uncertain", "--no-store",
                  "--workspace", str(tmp / "ws")])
    if _file_error_is_clean(result) and "no labelled" in str(result.exception or result.output):
        if any(ok for _, ok in lines):
            raise Finding("lost", f"eval: nothing evaluated of {len(lines)} lines: {result.exception or result.output}",
                          sum(1 for _, ok in lines if ok))
        return len(lines)  # nothing to evaluate, said in one line: every line was named
    report = _report(result, lambda r: len(r["data"]["problems"]))
    data = report["data"]
    named = {p["line"] for p in data["problems"]}
    out = data["evaluated"] + data["skipped_uncertain"] + len(named)
    if out != len(lines):
        raise Finding("lost", f"eval: {len(lines)} lines in, {data['evaluated']} evaluated, "
                              f"{data['skipped_uncertain']} uncertain, {len(named)} named as skipped",
                      abs(len(lines) - out))
    for number, (raw, ok) in enumerate(lines, 1):
        if ok is False and number not in named:
            raise Finding("wrong", f"eval: line {number} {raw[:80]!r} evaluated")
    return len(lines)


def eval_lines(hostile: bool = False) -> st.SearchStrategy:
    """Labelled lines: a line without a label object is one to name as skipped."""
    def relabel(lines):
        out = []
        for raw, ok in lines:
            if ok:
                obj = json.loads(raw)
                label = obj.get("label")
                ok = None if isinstance(label, dict) else False
            out.append((raw, ok))
        return out
    return jsonl_lines(hostile, with_labels=True).map(relabel)


def run_review(drawn: tuple[list[tuple[str, bool | None]], bool], tmp: Path) -> int:
    from signalos.dataset.repository import Dataset

    lines, bom = drawn
    ds = Dataset.open(tmp / "ws")
    texts = [json.loads(raw)["text"] for raw, ok in lines if ok]
    if texts:  # messages for the review lines to find, so that labels are stored too
        ds.add_messages([{"text": t, "provider": "fuzz"} for t in texts[: len(texts) // 2 + 1]], ds.add_batch("test"))
    path = tmp / "review.jsonl"
    _write_lines(path, [raw for raw, _ in lines], bom=bom)
    report = _report(cli(["data", "review", "import", str(path), "--workspace", str(tmp / "ws"), "--json"]))
    named = {p["position"] for p in report["problems"]}
    out = report["labelled"] + report["skipped"] + len(named)
    if out != len(lines):
        raise Finding("lost", f"review import: {len(lines)} lines in, {report['labelled']} labelled, "
                              f"{report['skipped']} skipped, {len(named)} named", abs(len(lines) - out))
    return len(lines)


def run_feedback(drawn: tuple[list[tuple[str, bool | None]], bool], tmp: Path) -> int:
    lines, bom = drawn
    path = tmp / "corrections.jsonl"
    _write_lines(path, [raw for raw, _ in lines], bom=bom)
    report = _report(cli(["data", "feedback", "--corrections", str(path), "--no-log",
                              "--workspace", str(tmp / "ws"), "--json"]))
    named = {p["position"] for p in report["problems"] if not p["message_kept"]}
    if report["failures"] + len(named) != len(lines):
        raise Finding("lost", f"feedback: {len(lines)} lines in, {report['failures']} read, {len(named)} named",
                      abs(len(lines) - report["failures"] - len(named)))
    for number, (raw, ok) in enumerate(lines, 1):
        if ok is False and f"line {number}" not in named:
            raise Finding("wrong", f"feedback: line {number} {raw[:80]!r} read as a correction")
    return len(lines)


_SERVE: dict[str, Any] = {}


def serve_client():
    """One in-process client of ``signalos serve``'s HTTP API (the FastAPI app on a host of its
    own, its parse log in a temporary workspace), started on first use and closed at exit."""
    if "client" not in _SERVE:
        import atexit

        from fastapi.testclient import TestClient

        from signalos.serve.api import create_app
        from signalos.serve.service import ServeSettings, Service

        import signalos_eval
        import signalos_regex

        from signalos.testing import make_host

        _SERVE["dir"] = tempfile.TemporaryDirectory(prefix="fuzz-serve-")
        h = make_host(signalos_regex, signalos_eval, config={"workspace": str(Path(_SERVE["dir"].name) / "ws")})
        client = TestClient(create_app(Service(h, ServeSettings.resolve(h.config))), raise_server_exceptions=False)
        client.__enter__()  # runs the app's start-up: the service starts, its parse log opens
        _SERVE["client"] = client
        atexit.register(lambda: (client.__exit__(None, None, None), _SERVE["dir"].cleanup()))
    return _SERVE["client"]


def _post(path: str, body: bytes) -> tuple[int, Any, str]:
    """Status, strictly read JSON body and raw text of one POST; a 5xx or a body that is not
    strict JSON is a finding."""
    r = serve_client().post(path, content=body, headers={"content-type": "application/json"})
    if r.status_code >= 500:
        raise Finding("crash", f"POST {path} {body[:120]!r}: {r.status_code} {r.text[:600]}")
    try:
        obj = strict_loads(r.text)
    except ValueError as exc:
        raise Finding("not-json", f"POST {path} {body[:120]!r}: {exc}: {r.text[:300]!r}") from None
    if r.status_code != 200 and not (isinstance(obj, dict) and isinstance(obj.get("error"), str) and obj["error"]):
        raise Finding("wrong", f"POST {path} {body[:120]!r}: {r.status_code} without an error message: {r.text[:300]}")
    return r.status_code, obj, r.text


def run_serve(drawn: tuple[list[str], bool], tmp: Path) -> int:
    """Each text alone through ``POST /v1/parse``, then all of them through ``POST
    /v1/parse/batch``: every answer a result of its kind, or a 4xx naming why; the batch answers
    every message once, in order, and is refused only when one of its messages is."""
    texts, utf8 = drawn
    # ensure_ascii=False with a lone surrogate writes bytes that are not UTF-8: a 4xx, never a 5xx
    encode = (lambda obj: json.dumps(obj, ensure_ascii=False).encode("utf-8", "surrogatepass")) if utf8 \
        else (lambda obj: json.dumps(obj).encode("ascii"))
    refused = 0
    for i, text in enumerate(texts):
        status, obj, _ = _post("/v1/parse", encode({"text": text, "id": i}))
        if status != 200:
            refused += 1
        elif obj.get("kind") not in ("signal", "update", "noise"):
            raise Finding("wrong", f"POST /v1/parse {text[:80]!r}: no kind: {obj!r:.300}")
    status, obj, _ = _post("/v1/parse/batch", encode({"messages": [{"text": t, "id": i} for i, t in enumerate(texts)]}))
    if status != 200:
        if not refused:
            raise Finding("lost", f"a batch of {len(texts)} refused ({obj['error'][:200]}) though each message "
                                  "alone was answered", len(texts))
        return len(texts)
    results = obj.get("results")
    ids = [r.get("id") for r in results] if isinstance(results, list) else None
    if ids != list(range(len(texts))) or obj.get("count") != len(texts):
        raise Finding("lost", f"a batch of {len(texts)}: ids {ids} count {obj.get('count')}",
                      abs(len(texts) - len(results if isinstance(results, list) else [])))
    if refused:
        raise Finding("wrong", f"{refused} messages refused alone but answered in a batch")
    if any(r.get("kind") not in ("signal", "update", "noise") for r in results):
        raise Finding("wrong", f"a batch answer without a kind: {obj!r:.300}")
    return len(texts)


def _lines_and_bom(hostile: bool) -> st.SearchStrategy:
    return st.tuples(jsonl_lines(hostile), st.just(False) | (st.booleans() if hostile else st.just(False)))


def targets(hostile: bool = False) -> dict[str, tuple[st.SearchStrategy, Callable[[Any, Path], int], int]]:
    """name -> (strategy, run, share of the cases). ``hostile`` adds the shapes of the issue."""
    texts = st.lists(message_text(hostile=True), min_size=1, max_size=20)
    return {
        "parse": (texts, run_parse, 40),
        "parse-many": (texts, run_parse_many, 10),
        "parse-cli": (st.tuples(jsonl_lines(hostile), st.sampled_from([1, 1, 3]),
                                st.booleans() if hostile else st.just(False)), run_parse_cli, 12),
        # A JSON Lines file whose first character is "[" is read as one JSON list (a ``.json``
        # export); a first line that is an array is therefore a hostile shape, not a sound one.
        "import-jsonl": (_lines_and_bom(hostile).filter(lambda d: hostile or not (d[0] and d[0][0][0].startswith("["))),
                         run_import_jsonl, 10),
        "import-csv": (csv_files(hostile), run_import_csv, 6),
        "import-text": (text_files(hostile), run_import_text, 4),
        "import-telegram": (telegram_exports(hostile), run_import_telegram, 6),
        "eval": (st.tuples(eval_lines(hostile), st.booleans() if hostile else st.just(False)), run_eval, 6),
        "review": (_lines_and_bom(hostile), run_review, 3),
        "feedback": (_lines_and_bom(hostile), run_feedback, 3),
        # the HTTP API of signalos serve; needs the serve extra (see available())
        "serve": (st.tuples(texts, st.booleans() if hostile else st.just(False)), run_serve, 5),
    }


def available(name: str) -> str | None:
    """Why target ``name`` cannot run here (a missing extra), or None."""
    import importlib.util

    if name == "serve":
        missing = [m for m in ("fastapi", "httpx") if importlib.util.find_spec(m) is None]
        if missing:
            return f"{', '.join(missing)} not installed: pip install 'signalos[serve,test]'"
    return None


def run_one(name: str, run: Callable[[Any, Path], int], value: Any) -> int:
    """Run one drawn input in a fresh directory; Finding propagates, any other exception of the
    harness itself is a crash of the target too (it came from the code under test)."""
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-") as tmp:
        try:
            return run(value, Path(tmp))
        except Finding:
            raise
        except RecursionError as exc:
            raise Finding("crash", f"{type(exc).__name__}: {exc}") from None
        except Exception as exc:
            raise Finding("crash", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-1500:]}") from None


# the benchmark -------------------------------------------------------------------------------------

def fuzz_target(name: str, strategy: st.SearchStrategy, run: Callable[[Any, Path], int], cases: int,
                base_seed: int, keep: int = 5) -> dict[str, Any]:
    """Draw inputs for ``name`` until ``cases`` cases ran; count the findings by kind."""
    counts = {"cases": 0, "inputs": 0, "crash": 0, "lost": 0, "lost_lines": 0, "not-json": 0, "wrong": 0}
    examples: list[dict[str, Any]] = []

    def one(value: Any) -> None:
        if counts["cases"] >= cases:  # the round's remaining draws: the target has its share
            return
        try:
            counts["cases"] += run_one(name, run, value)
        except Finding as f:
            counts["cases"] += 1
            counts[f.kind] += 1
            counts["lost_lines"] += f.lines
            if len(examples) < keep:
                examples.append({"kind": f.kind, "detail": f.detail[:1500], "input": repr(value)[:600]})
        counts["inputs"] += 1

    round_no = 0
    started = time.perf_counter()
    while counts["cases"] < cases:
        # Generation only, no shrinking and no example database: every finding is kept as drawn.
        body = settings(max_examples=200, database=None, deadline=None, phases=[Phase.generate],
                        suppress_health_check=list(HealthCheck))(seed(base_seed * 1000 + round_no)(given(strategy)(one)))
        body()
        round_no += 1
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return {**counts, "examples": examples}


def run_all(cases: int = 100_000, only: list[str] | None = None, base_seed: int = 0,
            hostile: bool = True) -> dict[str, Any]:
    started = time.perf_counter()
    chosen = {k: v for k, v in targets(hostile).items() if not only or k in only}
    report: dict[str, Any] = {"benchmark": "fuzz", "cases_asked": cases, "seed": base_seed, "hostile": hostile,
                              "targets": {}}
    for name in [n for n in chosen if available(n)]:
        report.setdefault("skipped", {})[name] = available(name)
        print(f"fuzz {name}: skipped, {available(name)}", file=sys.stderr, flush=True)
        del chosen[name]
    total_share = sum(share for _, _, share in chosen.values())
    for name, (strategy, run, share) in chosen.items():
        n = max(1, round(cases * share / total_share))
        print(f"fuzz {name}: {n:,} cases ...", file=sys.stderr, flush=True)
        t = report["targets"][name] = fuzz_target(name, strategy, run, n, base_seed)
        print(f"fuzz {name}: {t['cases']:,} cases, {t['crash']} crashes, {t['lost']} lost ({t['lost_lines']} lines), "
              f"{t['not-json']} not JSON, "
              f"{t['wrong']} wrong, {t['seconds']} s", file=sys.stderr, flush=True)
    t = report["targets"].values()
    for key in ("cases", "crash", "lost", "lost_lines", "not-json", "wrong"):
        report[key] = sum(r[key] for r in t)
    report["seconds"] = round(time.perf_counter() - started, 1)
    from benchmarks._util import machine

    report["machine"] = machine()
    return report


def print_human(r: dict[str, Any]) -> None:
    print(f"fuzz  {r['cases']:,} cases (seed {r['seed']}, hostile shapes {'on' if r['hostile'] else 'off'}), "
          f"{r['seconds']:,.0f} s wall")
    print(f"  crashes {r['crash']}  lost lines {r['lost_lines']} (in {r['lost']} inputs)  not JSON {r['not-json']}  "
          f"wrong {r['wrong']}")
    print(f"  {'target':16s} {'cases':>8s} {'inputs':>7s} {'crash':>6s} {'lost':>5s} {'lines':>6s} {'!json':>6s} "
          f"{'wrong':>6s} {'s':>7s}")
    for name, t in r["targets"].items():
        print(f"  {name:16s} {t['cases']:8,} {t['inputs']:7,} {t['crash']:6} {t['lost']:5} {t['lost_lines']:6} "
              f"{t['not-json']:6} {t['wrong']:6} {t['seconds']:7.1f}")
    for name, t in r["targets"].items():
        for ex in t["examples"]:
            print(f"\n[{name}] {ex['kind']}: {ex['detail'][:800]}\n  input: {ex['input'][:300]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks/fuzz.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000, help="cases over all targets (default 100,000)")
    ap.add_argument("--only", help="comma-separated targets: " + ", ".join(targets()))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-hostile", action="store_true", help="leave out the shapes that broke readers before")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    only = [s.strip() for s in args.only.split(",")] if args.only else None
    unknown = [name for name in only or [] if name not in targets()]
    if unknown:
        ap.error(f"unknown target {unknown[0]!r}")
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    report = run_all(args.cases, only, args.seed, hostile=not args.no_hostile)
    from benchmarks._util import emit

    emit(report, args.json, print_human)
    return 1 if report["crash"] or report["lost"] or report["not-json"] or report["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
