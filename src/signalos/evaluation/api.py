"""One call from labelled data to figures: what ``signalos eval`` does, usable from Python."""
from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from signalos.errors import InputError, SignalosError
from signalos.evaluation.compare import compare_runs
from signalos.evaluation.data import load_labelled
from signalos.evaluation.run import (
    EvalRun, resolve_chain, run_chain, run_evaluators, run_from_predictions, select_evaluators,
)
from signalos.evaluation.scoring import DEFAULT_TOLERANCE, Tolerance

if TYPE_CHECKING:
    from signalos.host import Host

Progress = Callable[[str, int], Callable[[int], None]]


def _read_predictions(path: str | os.PathLike) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    try:
        text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    for raw in text.split("\n"):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            obj = {}  # kept in place so the lines after it still pair by position
        out.append(obj if isinstance(obj, dict) else {})
    return out


def finite(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by None: a parser may read "inf" as a price, and
    the payload must stay strict JSON (a browser's JSON.parse rejects NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def evaluate_labelled(
    host: Host, data_path: str | os.PathLike, *, chain: str | None = None,
    evaluators: Sequence[str] | None = None, compare: str | None = None,
    predictions: str | os.PathLike | None = None, keep_uncertain: bool = False,
    threshold: float | None = None, fallback: str | None = None,
    workspace: str | os.PathLike | None = None, store: bool = True,
    tolerance: Tolerance = DEFAULT_TOLERANCE, progress: Progress | None = None,
    workers: int = 1, host_factory: Callable[[], Host] | None = None,
) -> dict[str, Any]:
    """Evaluate ``chain`` (or a predictions file) on a labelled file and return the JSON payload
    of ``signalos eval --json``; with ``store``, the run is recorded in the workspace database.
    ``workers`` and ``host_factory``: see ``run_chain``."""
    data = load_labelled(data_path, keep_uncertain=keep_uncertain)
    if not data.rows:
        raise InputError(f"{data_path}: no labelled message to evaluate"
                         + (f" ({len(data.problems)} unreadable lines)" if data.problems else ""))
    names = select_evaluators(host, evaluators)
    # Resolve the chains and open the workspace first: a typo or a bad path fails before any parsing.
    spec = chain or host.config.default_pipeline
    chain_a = None if predictions is not None else resolve_chain(host, spec, threshold, fallback)
    chain_b = resolve_chain(host, compare, threshold, fallback) if compare else None
    ws = None
    if store:
        from signalos.store import Workspace

        ws = Workspace.for_host(host, workspace)
        ws.db  # noqa: B018  (opening it runs the migrations)
    try:
        return finite(_evaluate(host, data, names, chain_a, chain_b, chain, compare, predictions, ws, tolerance,
                                progress, workers, host_factory))
    finally:
        if ws is not None:
            ws.close()


def _evaluate(host, data, names, chain_a, chain_b, chain, compare, predictions, ws, tolerance, progress,
              workers=1, host_factory=None):
    def _run(spec: str, ch) -> EvalRun:
        tick = progress(spec, len(data.rows)) if progress else None
        return run_chain(host, ch, data, tolerance=tolerance, progress=tick, workers=workers,
                         host_factory=host_factory)

    if chain_a is None:
        spec = f"predictions:{Path(predictions).name}"
        run = run_from_predictions(spec, data, _read_predictions(predictions), tolerance=tolerance)
    else:
        spec = chain or chain_a.pipeline.name
        run = _run(spec, chain_a)
    run_b = _run(compare, chain_b) if chain_b is not None else None
    results = run_evaluators(host, run, names)
    summary = run.summary()
    payload: dict[str, Any] = {
        "run_id": None,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "chain": {"spec": spec, **run.describe()},
        "data": data.to_dict(),
        "tolerance": tolerance.to_dict(),
        "summary": summary,
        "evaluators": results,
    }
    if run_b is not None:
        payload["comparison"] = compare_runs(run, run_b)
        payload["comparison"]["chain_b"] = {"spec": compare, **run_b.describe()}
    if ws is not None:
        from signalos.evaluation.history import save_run

        payload["run_id"] = save_run(ws.db, run, spec, results, summary)
        if run_b is not None:
            # The compared chain is stored as a run of its own, pointing at the first.
            b_results = run_evaluators(host, run_b, names)
            payload["comparison"]["run_id_b"] = save_run(ws.db, run_b, compare, b_results, run_b.summary(),
                                                         compared_with=payload["run_id"])
        payload["workspace"] = str(ws.path)
    return payload


__all__ = ["SignalosError", "evaluate_labelled"]
