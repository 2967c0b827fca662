"""``signalos eval``: measure a chain on labelled messages; ``eval history``, ``show`` and ``diff`` of recorded runs."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

from signalos.cli import common
from signalos.cli.exitcodes import exit_if_skipped
from signalos.errors import SignalosError


def register(app: typer.Typer) -> None:
    """Add the ``eval`` command group to ``app``."""
    eval_app = typer.Typer(add_completion=False)  # its help is eval_command's docstring
    eval_app.callback(invoke_without_command=True)(eval_command)
    eval_app.command("history")(history_command)
    eval_app.command("show")(show_command)
    eval_app.command("diff")(diff_command)
    app.add_typer(eval_app, name="eval")


def eval_command(
    ctx: typer.Context,
    data: Optional[Path] = typer.Option(None, "--data", "-d", metavar="FILE.jsonl",
                                        help="Labelled JSON Lines: {'id', 'text', 'label', ...} per line."),
    split: Optional[str] = typer.Option(None, "--split", metavar="train|validation|test",
                                        help="Evaluate a split of the workspace dataset instead of a file."),
    chain: Optional[str] = typer.Option(None, "--chain", metavar="PIPELINE|A,B",
                                        help="A configured pipeline, or parser names tried in order (default: the default pipeline)."),
    evaluators: Optional[list[str]] = typer.Option(None, "--evaluator", "-e", metavar="NAME",
                                                   help="Evaluator to run (repeatable; 'all' = every registered one)."),
    compare: Optional[str] = typer.Option(None, "--compare", metavar="PIPELINE|A,B",
                                          help="A second chain to compare with (paired tests on the same messages)."),
    predictions: Optional[Path] = typer.Option(None, "--predictions", metavar="FILE.jsonl",
                                               help="Score these parses (signalos parse --json output) instead of running a chain."),
    report: Optional[Path] = typer.Option(None, "--report", metavar="FILE.html", help="Write a self-contained HTML report."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    keep_uncertain: bool = typer.Option(False, "--keep-uncertain", help="Evaluate rows labelled uncertain too."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR",
                                             help="Workspace directory (default: $SIGNALOS_WORKSPACE, the config's, ./.signalos)."),
    store: bool = typer.Option(True, "--store/--no-store", help="Record the run in the workspace database."),
    threshold: Optional[float] = typer.Option(None, "--threshold", min=0.0, max=1.0,
                                              help="Confidence threshold of a chain given as parser names."),
    fallback: Optional[str] = typer.Option(None, "--fallback", metavar="first|vote",
                                           help="When the first answer is not accepted: the next sound one "
                                                "(first) or the majority of all parsers (vote)."),
    rel_tol: float = typer.Option(1e-6, "--rel-tol", help="Relative tolerance between two prices."),
    abs_tol: float = typer.Option(1e-9, "--abs-tol", help="Absolute tolerance between two prices."),
    pips: float = typer.Option(0.0, "--pips", help="Also accept prices this many pips apart (per-instrument pip size)."),
    pip_size: Optional[list[str]] = typer.Option(None, "--pip-size", metavar="SYMBOL=SIZE",
                                                 help="Pip size of an instrument for --pips (repeatable), e.g. XAUUSD=0.01."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, metavar="N",
                                          help="Processes parsing the messages (default: every core; 1 parses in "
                                               "this process). Under 2,000 messages are parsed in this process."),
) -> None:
    """Measure a chain on labelled messages: exact match, fields, kinds, latency, failures.

    Runs the evaluators (built-in, or a plugin's, by --evaluator NAME), prints tables or --json,
    and records the run in the workspace database (see `signalos eval history`). A line that
    cannot be evaluated is named on stderr and in --json, the rest is, and the exit status is 3.

    \b
      signalos eval --data labelled.jsonl --chain regex
      signalos eval --data labelled.jsonl --chain regex --compare my-channel,regex --report eval.html
      signalos eval --data labelled.jsonl --chain regex --evaluator fields --json
      signalos eval --split test --chain regex,spacy-ner --compare regex
    """
    if ctx.invoked_subcommand is not None:
        return
    if data is not None and split is not None:
        raise typer.BadParameter("give --data FILE or --split NAME, not both", param_hint="--split")
    if data is None and split is None:
        raise typer.BadParameter("give the labelled data with --data FILE.jsonl or --split test", param_hint="--data")
    if split is not None:
        data = _split_file(split, workspace)
    _evaluate(data, chain, evaluators, compare, predictions, report, as_json, keep_uncertain, workspace, store,
              threshold, fallback, rel_tol, abs_tol, pips, pip_size, workers)


def _split_file(split: str, workspace: Optional[Path]) -> Path:
    """Write the labelled rows of one dataset split as a labelled file (the corpus line format)
    under ``<workspace>/splits/``, so the evaluated file stays beside the run that names it."""
    from signalos.dataset import Dataset
    from signalos.dataset.export import corpus_line
    from signalos.store import Workspace

    if split not in ("train", "validation", "test"):
        raise typer.BadParameter("expected train, validation or test", param_hint="--split")
    ws = Workspace.for_host(common.make_host(), workspace)
    dataset = Dataset.open(ws.db)
    (ws.path / "splits").mkdir(parents=True, exist_ok=True)
    path = ws.path / "splits" / f"{split}.jsonl"
    n = 0
    with path.open("w", encoding="utf-8") as out:
        # augmented rows are train-only copies: evaluating on them would measure the augmenters
        for row in dataset.rows(split=split, only_labelled=True, include_augmented=False,
                                include_duplicates=False):
            line = corpus_line(row, row.spans)
            line["id"] = line.get("id") or f"m{row.id}"
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            n += 1
    if not n:
        raise SignalosError(f"the {split} split of {ws.path} holds no labelled message: "
                            "run `signalos data import`, `signalos data split` first")
    return path


def _evaluate(data, chain, evaluators, compare, predictions, report, as_json, keep_uncertain, workspace, store,
              threshold, fallback, rel_tol, abs_tol, pips, pip_size, workers=None) -> None:
    if predictions is not None and compare is not None:
        raise typer.BadParameter("--compare runs chains; it cannot be used with --predictions", param_hint="--compare")
    from signalos.cli import parallel
    from signalos.evaluation import evaluate_labelled
    from signalos.evaluation.scoring import Tolerance
    from signalos.workers import default_workers

    host = common.make_host()
    with common.progress_bar() as progress:

        def on_progress(label: str, total: int):
            return common.progress_task(progress, f"parsing with {label}", total)

        payload = evaluate_labelled(
            host, data, chain=chain, evaluators=evaluators, compare=compare, predictions=predictions,
            keep_uncertain=keep_uncertain, threshold=threshold, fallback=fallback, workspace=workspace, store=store,
            tolerance=Tolerance(rel_tol=rel_tol, abs_tol=abs_tol, pips=pips, pip_sizes=_pip_sizes(pip_size)),
            progress=on_progress, workers=workers or default_workers(), host_factory=parallel.host_factory(),
        )
    for problem in payload["data"]["problems"]:
        common.warn(f"{data}:{problem['line']}: {problem['error']} (line skipped)")
    for res in payload["evaluators"].values():
        if isinstance(res, dict) and set(res) == {"error"}:
            common.warn(res["error"])
    if report is not None:
        from signalos.evaluation.report import render_html

        common.write_html_report(report, payload, render_html)
    if as_json:
        common.print_json(payload)
    else:
        _show(payload)
    exit_if_skipped(len(payload["data"]["problems"]))


def _pip_sizes(values: list[str] | None) -> dict[str, float]:
    out = {}
    for value in values or ():
        symbol, _, size = value.partition("=")
        try:
            out[symbol.strip()] = float(size)
        except ValueError:
            raise typer.BadParameter(f"expected SYMBOL=SIZE, got {value!r}", param_hint="--pip-size") from None
        if not symbol.strip() or out[symbol.strip()] <= 0:
            raise typer.BadParameter(f"expected SYMBOL=SIZE with a positive size, got {value!r}",
                                     param_hint="--pip-size")
    return out


def history_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help="Workspace directory."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="How many runs, latest first."),
) -> None:
    """List the evaluation runs recorded in the workspace, latest first."""
    from signalos.evaluation.history import list_runs
    from signalos.store import Workspace

    ws = Workspace.for_host(common.make_host(), workspace)
    runs = list_runs(ws.db, limit)
    if as_json:
        common.print_json({"workspace": str(ws.path), "runs": runs})
        return
    if not runs:
        typer.echo(f"no evaluation runs in {ws.path}")
        return
    table = common.table(title=f"evaluation runs in {ws.path}")
    for col in ("id", "UTC", "chain", "data", "sha256", "n", "exact", "kind"):
        left = col in ("UTC", "chain", "data", "sha256")
        table.add_column(col, justify="left" if left else "right", no_wrap=col != "chain",
                         min_width={"exact": 6, "kind": 6, "chain": 8}.get(col))
    for r in runs:
        table.add_row(str(r["id"]), r["created_at"][5:16].replace("T", " "), r["chain"], Path(r["data_path"]).name,
                      r["data_sha256"][:8], str(r["n"]), _pct(r["exact_match"]), _pct(r["kind_accuracy"]))
    common.console().print(table)


def show_command(
    run_id: int = typer.Argument(..., help="The run id (see signalos eval history)."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help="Workspace directory."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one recorded evaluation run."""
    from signalos.evaluation.history import get_run
    from signalos.store import Workspace

    ws = Workspace.for_host(common.make_host(), workspace)
    row = get_run(ws.db, run_id)
    if row is None:
        raise SignalosError(f"no evaluation run {run_id} in {ws.path}")
    if as_json:
        common.print_json(row)
        return
    metrics = row.pop("metrics") or {}
    table = common.table(title=f"evaluation run {run_id}", show_header=False)
    for k, v in row.items():
        table.add_row(k, json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v))
    common.console().print(table)
    _show_evaluators(common.console(), metrics)


def diff_command(
    run_a: int = typer.Argument(..., help="The baseline run id."),
    run_b: int = typer.Argument(..., help="The run to compare with it."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", metavar="DIR", help="Workspace directory."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Compare two recorded runs of the same data message by message (McNemar's exact test)."""
    from signalos.evaluation.history import compare_stored
    from signalos.store import Workspace

    ws = Workspace.for_host(common.make_host(), workspace)
    out = compare_stored(ws.db, run_a, run_b)
    if as_json:
        common.print_json(out)
        return
    e, m = out["exact_match"], out["exact_match"]["mcnemar"]
    common.console().print(
        f"run {run_a} ({out['a']['chain']}) → run {run_b} ({out['b']['chain']}) on {out['n']} messages: "
        f"exact match {_pct(e['a'])} → {_pct(e['b'])} ({100 * e['delta']:+.1f} pts); McNemar p = {m['p_value']:.4g} "
        f"(only {run_a} right: {m['only_a']}, only {run_b} right: {m['only_b']})")
    for d in out["disagreements"]["examples"]:
        common.console().print(f"  {d['id']}: right in {run_a if d['right_in'] == 'a' else run_b} "
                        f"(labelled {d['kind']}; predicted {d['a_pred_kind']} / {d['b_pred_kind']})")


# rendering ------------------------------------------------------------------------------------

def _pct(v: Any) -> str:
    return "-" if v is None else f"{100 * float(v):.1f}%"


def _show(payload: dict[str, Any]) -> None:
    console = common.console()
    s, d, c = payload["summary"], payload["data"], payload["chain"]
    console.print(f"[bold]{c['spec']}[/] ({', '.join(c['parsers']) or 'predictions file'}) on {d['path']}: "
                  f"{s['n']} messages, {d['skipped_uncertain']} uncertain skipped, "
                  f"{len(d['problems'])} unreadable lines"
                  + (f" · run {payload['run_id']} stored" if payload.get("run_id") else ""))
    em = payload["evaluators"].get("exact-match") or {}
    ci = f" (95% {_pct(em['ci'][0])}–{_pct(em['ci'][1])})" if "ci" in em else ""
    console.print(f"exact match [bold]{_pct(s['exact_match'])}[/]{ci} · kind accuracy {_pct(s['kind_accuracy'])}")
    _show_evaluators(console, payload["evaluators"])
    if payload.get("comparison"):
        _show_comparison(console, payload["comparison"])
    if payload.get("report"):
        console.print(f"report written to {payload['report']}")


def _show_evaluators(console: Console, results: dict[str, Any]) -> None:
    for name, res in results.items():
        if not isinstance(res, dict) or "error" in res:
            continue
        if name == "fields":
            t = common.table(title="fields", caption="a wrong value counts against both P and R")
            t.add_column("field", no_wrap=True)
            for col in ("P", "R", "F1", "right", "wrong", "missed", "extra"):
                t.add_column(col, justify="right", no_wrap=True, min_width=max(5, len(col)))
            for f, v in res["fields"].items():
                t.add_row(f, *(f"{v[k]:.3f}" for k in ("precision", "recall", "f1")),
                          *(str(v[k]) for k in ("correct", "incorrect", "missed", "spurious")))
            console.print(t)
        elif name == "kinds":
            t = common.table(title="kinds (rows labelled, columns predicted)")
            t.add_column("")
            for col in res["columns"]:
                t.add_column(col, justify="right")
            for k in res["labels"]:
                t.add_row(k, *(str(res["matrix"][k][col]) for col in res["columns"]))
            console.print(t)
            u = res["updates"]
            console.print(f"updates: {u['n']}, action types right {_pct(u['action_types_accuracy'])}, "
                          f"actions right in full {_pct(u['actions_exact_accuracy'])}")
        elif name == "latency":
            console.print(f"latency p50 {res['p50_ms']:.3f} ms · p95 {res['p95_ms']:.3f} ms · p99 {res['p99_ms']:.3f} ms"
                          f" · {res['throughput_per_s']:.0f} messages/s")
        elif name == "errors":
            t = common.table(title=f"failures: {res['failures']} of {res['n']}")
            for col in ("category", "count", "example"):
                t.add_column(col, justify="right" if col == "count" else "left")
            for cat, v in res["categories"].items():
                ex = v["examples"][0] if v["examples"] else None
                t.add_row(cat, str(v["count"]), f"{ex['id']}: {ex['detail']}"[:90] if ex else "")
            console.print(t)
        elif name == "slices":
            for key, rows in res["slices"].items():
                t = common.table(title=f"by {key}")
                for col in (key, "n", "exact match", "kind acc."):
                    t.add_column(col, justify="left" if col == key else "right")
                for r in rows[:15]:
                    t.add_row(r["value"], str(r["n"]), _pct(r["exact_match"]), _pct(r["kind_accuracy"]))
                if len(rows) > 15:
                    t.add_row(f"… {len(rows) - 15} more", "", "", "")
                console.print(t)
        elif name != "exact-match":
            console.print(f"[bold]{name}[/]: {json.dumps(res, ensure_ascii=False, default=str)[:2000]}")


def _show_comparison(console: Console, cmp: dict[str, Any]) -> None:
    e = cmp["exact_match"]
    m = e["mcnemar"]
    console.print(f"[bold]compare[/] {cmp['a']} (a) vs {cmp['b']} (b): exact match {_pct(e['a'])} → {_pct(e['b'])}, "
                  f"Δ {100 * e['delta']:+.1f} pts (95% {100 * e['delta_ci'][0]:+.1f} to {100 * e['delta_ci'][1]:+.1f}); "
                  f"McNemar p = {m['p_value']:.4g} (only a right {m['only_a']}, only b right {m['only_b']})")
    t = common.table(title="per-field difference (b − a)")
    for col in ("field", "F1 a", "F1 b", "ΔF1", "95% interval"):
        t.add_column(col, justify="left" if col == "field" else "right")
    for f, v in cmp["fields"].items():
        t.add_row(f, f"{v['f1_a']:.3f}", f"{v['f1_b']:.3f}", f"{v['f1_delta']:+.3f}",
                  f"{v['f1_delta_ci'][0]:+.3f} to {v['f1_delta_ci'][1]:+.3f}")
    console.print(t)
    console.print(f"{cmp['disagreements']['count']} messages where exactly one of them is right")
