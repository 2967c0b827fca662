"""``signalos parse``: one message, or a stream of JSON Lines, through a pipeline."""
from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections import Counter
from typing import IO, Any, Iterable, Optional

import typer

from signalos.cli import common
from signalos.cli.exitcodes import exit_if_skipped
from signalos.cli.parse_production import production_parses, report_when_done
from signalos.errors import InputError
from signalos.jsonlines import LineError, load_line
from signalos.models import ChainOutcome, Message, ParseResult

# Keys of an input line that fill the Message; every key but ``text`` is also carried to the output.
MESSAGE_KEYS = ("provider", "message_id", "chat_id", "user_id", "reply_to")
# Keys only an unreadable line's output has: an input line's own keys of these names are carried
# as ``input_line`` / ``input_error``, so that ``"error" in obj`` always means a line in error.
RESERVED_KEYS = ("line", "error")
ADHOC_PIPELINE = "adhoc"


def register(app: typer.Typer) -> None:
    """Add ``signalos parse`` to ``app``."""
    app.command("parse")(parse_command)


def parse_command(
    text: Optional[str] = typer.Argument(None, help="The message to parse (quote it)."),
    input_path: Optional[str] = typer.Option(
        None, "--input", "-i", metavar="FILE",
        help="JSON Lines, one object with a 'text' key per line; '-' reads stdin."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: one object, or one per input line."),
    attempts: bool = typer.Option(False, "--attempts", help="Include every parser's attempt."),
    pipeline: Optional[str] = typer.Option(None, "--pipeline", "-p",
                                           help="Pipeline of signalos.toml to use (default: its default)."),
    chain: Optional[str] = typer.Option(None, "--chain", metavar="A,B",
                                        help="Parser names to try in order, instead of a configured pipeline."),
    provider: Optional[str] = typer.Option(None, "--provider",
                                           help="Provider (channel) of the messages; a 'provider' key of a line wins."),
    fallback: Optional[str] = typer.Option(None, "--fallback", metavar="first|vote",
                                           help="When the first answer is not accepted: the next sound one "
                                                "(first) or the majority of all parsers (vote)."),
    batch: int = typer.Option(1, "--batch", min=1, metavar="N",
                              help="With --input --json: parse N lines at a time, so a parser that batches "
                                   "(the llm) generates for all of them at once. Output order is unchanged."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, metavar="N",
                                          help="With --input: processes parsing it (default: every core for a "
                                               "file, 1 for a pipe on stdin). Output order is unchanged; an input "
                                               "under 2,000 lines is parsed in this process."),
    log: Optional[bool] = typer.Option(None, "--log/--no-log",
                                       help="Write every parse to the workspace's parse log, for signalos monitor "
                                            "(default: \\[parse] log of signalos.toml, else off)."),
    route: Optional[str] = typer.Option(None, "--route", metavar="KEY",
                                        help="Route each line through the A/B router by its KEY (user_id, chat_id, "
                                             "provider or message_id); logged with its experiment and variant."),
) -> None:
    """Parse a message into a signal, an update or noise.

    \b
      signalos parse "GOLD BUY NOW @2342-2345 SL 2335 TP1 2350 TP2 2360"
      signalos parse --input messages.jsonl --json > parses.jsonl
      cat messages.jsonl | signalos parse --input - --json --chain my-channel,regex
      signalos parse --input archive.jsonl --json --workers 4 > parses.jsonl
    """
    if text is None and input_path is None:
        raise typer.BadParameter("give a TEXT to parse, or --input FILE", param_hint="TEXT")
    if text is not None and input_path is not None:
        raise typer.BadParameter("give a TEXT to parse or --input FILE, not both", param_hint="TEXT")
    host = common.make_host()
    pipeline_name = _pipeline_name(host, pipeline, chain, fallback)
    production = production_parses(host, log=log, route=route,
                                   pipeline_named=pipeline is not None or chain is not None or fallback is not None)
    if production is not None:
        # logged and routed in this process, by the wrapper standing for the host (parse_production)
        host, workers = production, 1
        pipeline_name = None if production.router is not None else pipeline_name
        report_when_done(production)
    if input_path is None:
        outcome = host.parse(Message(text, provider=provider), pipeline=pipeline_name)
        if as_json:
            common.print_json(outcome.to_dict(with_attempts=attempts))
        else:
            _show_one(outcome, attempts)
        return
    from signalos.cli import parallel

    n_workers = parallel.workers_for(workers, input_path)
    with _open_input(input_path) as lines:
        if as_json:
            out = _utf8(sys.stdout)
            options = dict(pipeline=pipeline_name, provider=provider, attempts=attempts, batch=batch)
            if n_workers > 1:  # each worker runs stream_jsonl with these options: they must pickle
                counts = parallel.stream_jsonl(host, lines, out, n_workers, **options)
            else:
                counts = stream_jsonl(host, lines, out, **options)
        else:
            rows = parallel.parsed_rows(host, lines, n_workers, provider=provider, pipeline=pipeline_name)
            counts = _show_many(rows, input_path)
    exit_if_skipped(counts["error"])


def _pipeline_name(host, pipeline: str | None, chain: str | None, fallback: str | None = None) -> str:
    """Resolve the pipeline before any input is read, so a typo fails at once and not per line."""
    if chain is None and fallback is None:
        return host.chain(pipeline).pipeline.name
    if chain is not None and pipeline is not None:
        raise typer.BadParameter("--chain replaces --pipeline; give one of them", param_hint="--chain")
    base = host.config.pipeline(pipeline)
    names = list(base.parsers) if chain is None else [n.strip() for n in chain.split(",") if n.strip()]
    if not names:
        raise typer.BadParameter("name at least one parser, e.g. --chain regex", param_hint="--chain")
    # The ad hoc chain keeps the pipeline's threshold and quorum: only what was given changes.
    return host.use_pipeline(ADHOC_PIPELINE, names, base.threshold, fallback=fallback or base.fallback,
                             quorum=base.quorum).pipeline.name


def _open_input(path: str):
    # utf-8-sig: a file saved by a Windows editor starts with a BOM that is not part of line 1.
    if path == "-":
        if hasattr(sys.stdin, "reconfigure"):
            sys.stdin.reconfigure(encoding="utf-8-sig", errors="replace")
        return contextlib.nullcontext(sys.stdin)
    try:
        return open(path, encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _utf8(stream: IO[str]) -> IO[str]:
    # JSON Lines are UTF-8 whatever the locale says; a lone surrogate from a "\ud800" escape in
    # the input is written back as the same escape instead of killing the stream.
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    return stream


class BadLine(ValueError):
    """A JSON Lines line that cannot be parsed; ``carried_id`` is its ``id`` when it had one."""

    def __init__(self, reason: str, carried_id: Any = None):
        super().__init__(reason)
        self.carried_id = carried_id

    def to_dict(self, lineno: int) -> dict[str, Any]:
        head = {} if self.carried_id is None else {"id": self.carried_id}
        return {**head, "line": lineno, "error": str(self)}


def read_line(line: str, provider: str | None = None) -> tuple[dict[str, Any], Message]:
    """One JSON Lines object as (the keys to carry to the output, the message); BadLine says why
    a line is unusable."""
    try:
        # strict: NaN, Infinity, 1e999 are refused (they would come back out as invalid JSON),
        # and so are a thousands-deep nesting and a number of thousands of digits. A lone
        # surrogate is kept: it goes back out as the same \ud800 escape (see _utf8).
        obj = load_line(line, unicode=False)
    except LineError as exc:
        raise BadLine(str(exc)) from None
    if not isinstance(obj, dict):
        raise BadLine(f"expected a JSON object, got {type(obj).__name__}")
    text = obj.pop("text", None)
    if not isinstance(text, str):
        raise BadLine("no 'text' key" if text is None else "'text' must be a string", obj.get("id"))
    for key in RESERVED_KEYS:
        if key in obj:
            obj[f"input_{key}"] = obj.pop(key)
    fields = {k: str(obj[k]) for k in MESSAGE_KEYS if obj.get(k) is not None}
    fields.setdefault("provider", provider)
    return obj, Message(text, **fields)


def stream_jsonl(host, lines: Iterable[str], out: IO[str], *, pipeline: str | None = None,
                 provider: str | None = None, attempts: bool = False, batch: int = 1,
                 first_line: int = 1, warn=None) -> Counter:
    """Parse JSON Lines from ``lines`` to ``out`` as they arrive: one object per non-blank line, in
    order, flushed at once (with ``batch`` > 1, once per ``batch`` lines, parsed by
    ``Host.parse_many``). A bad line becomes ``{"line": N, "error": ...}`` and a warning on
    stderr (or ``warn(text)``; lines are numbered from ``first_line``). Returns counts by kind
    (``"error"`` for bad lines).

    This is the hot path of ``signalos parse --input``: keep per-line work to the parse itself.
    With ``--workers N`` each worker process runs it on a chunk of lines (signalos.cli.parallel).
    """
    if batch > 1:
        return _stream_batches(host, lines, out, pipeline, provider, attempts, batch, first_line, warn)
    counts: Counter = Counter()
    write, flush = out.write, out.flush
    for obj, message in _read_lines(lines, provider, counts, first_line, warn):
        if message is not None:
            outcome = host.parse(message, pipeline=pipeline)
            counts[outcome.result.kind] += 1
            obj.update(outcome.to_dict(with_attempts=attempts))
        write(dumps(obj) + "\n")
        flush()
    return counts


# One encoder for the whole stream: json.dumps(..., ensure_ascii=False) builds one per call.
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def dumps(obj: dict[str, Any]) -> str:
    """One output line, always JSON: a NaN or an infinity (a plugin's parser may answer one) is
    written as null rather than as ``NaN``, which no JSON reader accepts."""
    try:
        return _ENCODE(obj)
    except ValueError:
        return _ENCODE(_finite(obj))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _read_lines(lines: Iterable[str], provider: str | None, counts: Counter, first_line: int = 1, warn=None):
    """(output object, message) per non-blank line; a bad line is its error object, no message,
    a warning on stderr (or ``warn(text)``) and one more ``counts["error"]``."""
    warn = warn or common.warn
    for lineno, line in enumerate(lines, first_line):
        if not line or line.isspace():
            continue
        try:
            yield read_line(line, provider)
        except BadLine as exc:
            counts["error"] += 1
            warn(f"line {lineno}: {exc}")
            yield exc.to_dict(lineno), None


def _stream_batches(host, lines: Iterable[str], out: IO[str], pipeline: str | None, provider: str | None,
                    attempts: bool, batch: int, first_line: int = 1, warn=None) -> Counter:
    counts: Counter = Counter()
    pending: list[tuple[dict[str, Any], Message | None]] = []
    waiting = 0  # messages in pending

    def flush() -> None:
        outcomes = iter(host.parse_many([m for _, m in pending if m is not None], pipeline=pipeline))
        for obj, message in pending:
            if message is not None:
                outcome = next(outcomes)
                counts[outcome.result.kind] += 1
                obj.update(outcome.to_dict(with_attempts=attempts))
            out.write(dumps(obj) + "\n")
        out.flush()
        pending.clear()

    for obj, message in _read_lines(lines, provider, counts, first_line, warn):
        pending.append((obj, message))
        waiting += message is not None
        if waiting >= batch:
            flush()
            waiting = 0
    if pending:
        flush()
    return counts


# human output ------------------------------------------------------------------------------------

def _num(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.10f}".rstrip("0").rstrip(".")


def _nums(values: Iterable[float]) -> str:
    return ", ".join(_num(v) for v in values) or "-"


def _actions(result: ParseResult) -> str:
    parts = []
    for a in result.actions:
        detail = [a.type]
        if a.tp is not None:
            detail.append(f"TP{a.tp}")
        if a.price is not None:
            detail.append(_num(a.price))
        if a.percent is not None:
            detail.append(f"{_num(a.percent)}%")
        parts.append(" ".join(detail))
    return "; ".join(parts) or "-"


def _show_one(outcome: ChainOutcome, attempts: bool) -> None:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    r = outcome.result
    rows: list[tuple[str, str]] = [("kind", r.kind)]
    if r.kind == "signal":
        rows += [
            ("symbol", r.symbol or "-"), ("direction", r.direction or "-"),
            ("order type", r.order_type or "-"), ("entry", _nums(r.entry)),
            ("stop loss", _num(r.stop_loss)), ("take profits", _nums(r.take_profits)),
            ("leverage", _num(r.leverage)),
        ]
        if r.stop_loss_pips is not None or r.take_profit_pips:
            rows += [("SL pips", _num(r.stop_loss_pips)), ("TP pips", _nums(r.take_profit_pips))]
    elif r.kind == "update":
        rows += [("symbol", r.symbol or "-"), ("actions", _actions(r))]
    rows += [("parser", r.parser or "-"), ("confidence", f"{r.confidence:.2f}"),
             ("accepted", "yes" if r.accepted else "no")]
    if r.warnings:
        rows.append(("warnings", "\n".join(r.warnings)))
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, Text(value))  # Text: a '[' in a warning is not markup
    title = " ".join(p for p in (r.kind, r.symbol, r.direction) if p)
    console = common.console()
    console.print(Panel(table, title=title, expand=False, border_style="green" if r.accepted else "yellow"))
    if attempts:
        att = common.table("parser", "plugin", "outcome", "kind", "conf.", "ms", title="attempts")
        for a in outcome.attempts:
            att.add_row(a.parser, a.plugin or "-", Text(a.error or a.reason), a.result.kind if a.result else "-",
                        f"{a.result.confidence:.2f}" if a.result else "-", f"{a.elapsed_ms:.2f}")
        console.print(att)


def _count_lines(path: str) -> int | None:
    if path == "-" or not os.path.isfile(path):
        return None
    with open(path, "rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def parsed_rows(host, lines: Iterable[str], provider: str | None, pipeline: str | None, first_line: int = 1):
    """(line number, id, why the line is bad or None, ParseResult or None) per non-blank line:
    what the table of ``signalos parse --input`` shows (``parallel.parsed_rows`` on workers)."""
    for lineno, line in enumerate(lines, first_line):
        if not line or line.isspace():
            continue
        try:
            obj, message = read_line(line, provider)
        except BadLine as exc:
            yield lineno, exc.carried_id, str(exc), None
            continue
        yield lineno, obj.get("id"), None, host.parse(message, pipeline=pipeline).result


def _show_many(rows: Iterable[tuple], path: str) -> Counter:
    from rich.markup import escape
    from rich.progress import Progress

    table = common.table("line", "id", "kind", "symbol", "dir.", "entry", "SL", "TPs / actions", "parser", "conf.")
    counts: Counter = Counter()
    show_progress = sys.stdout.isatty()
    start = time.perf_counter()
    with Progress(console=common.console(stderr=True), transient=True, disable=not show_progress) as progress:
        task = progress.add_task("parsing", total=_count_lines(path) if show_progress else None)
        for lineno, carried_id, error, r in rows:
            progress.update(task, completed=lineno)
            if error is not None:
                counts["error"] += 1
                common.warn(f"line {lineno}: {error}")
                table.add_row(str(lineno), escape(str(carried_id or "-")), "[red]error[/]",
                              "", "", "", "", escape(error))
                continue
            counts[r.kind] += 1
            levels = _nums(r.take_profits) if r.kind == "signal" else _actions(r) if r.kind == "update" else ""
            kind = r.kind if r.accepted else f"{r.kind} [yellow](not accepted)[/]"
            table.add_row(
                str(lineno), escape(str(carried_id if carried_id is not None else "-")), kind,
                escape(r.symbol or ""), r.direction or "",
                _nums(r.entry) if r.kind == "signal" else "", _num(r.stop_loss) if r.kind == "signal" else "",
                escape(levels), escape(r.parser or "-"), f"{r.confidence:.2f}",
            )
    elapsed = time.perf_counter() - start
    console = common.console()
    console.print(table)
    total = sum(counts.values())
    summary = ", ".join(f"{n} {k}" for k, n in counts.most_common())
    rate = f", {total / elapsed:.0f} messages/s" if elapsed > 0 and total else ""
    console.print(f"{total} lines: {summary or 'none'}{rate}")
    return counts
