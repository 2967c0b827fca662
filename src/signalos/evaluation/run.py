"""An evaluation run: labelled rows, what a chain predicted for each, and the evaluators over it."""
from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from typing import TYPE_CHECKING, Any

import attrs

from signalos.errors import SignalosError
from signalos.evaluation.data import LabelledData, LabelledRow
from signalos.evaluation.scoring import DEFAULT_TOLERANCE, RowScore, Tolerance, score_row, summarize
from signalos.models import Message, ParseAttempt, ParseResult

if TYPE_CHECKING:
    from signalos.chain import Chain
    from signalos.host import Host

# Run when no evaluator is named; a third party's evaluator runs when named (or with "all").
DEFAULT_EVALUATORS = ("exact-match", "fields", "kinds", "latency", "errors", "slices")
BATCH = 32  # messages per Chain.parse_many call


@attrs.frozen
class EvalItem:
    """One labelled message and what the chain made of it."""

    row: LabelledRow
    predicted: ParseResult
    attempts: tuple[ParseAttempt, ...] = ()
    latency_ms: float = 0.0
    prediction: dict[str, Any] = attrs.field(default=attrs.Factory(lambda self: self.predicted.to_schema(),
                                                                   takes_self=True))

    @property
    def label(self) -> dict[str, Any]:
        return self.row.label


@attrs.define
class EvalRun:
    """Everything an evaluator sees: ``evaluate(run) -> dict``.

    ``items`` pairs each labelled row with the prediction, the chain's attempts and the latency;
    ``scores()`` gives the per-message verdicts of the scoring core (cached per tolerance).
    """

    name: str
    items: list[EvalItem]
    data: LabelledData
    parsers: tuple[str, ...] = ()
    versions: dict[str, Any] = attrs.field(factory=dict)
    threshold: float | None = None
    wall_s: float = 0.0
    tolerance: Tolerance = DEFAULT_TOLERANCE
    _scores: dict[str, list[RowScore]] = attrs.field(factory=dict, repr=False)

    def scores(self, tol: Tolerance | None = None) -> list[RowScore]:
        tol = tol or self.tolerance
        key = repr(tol)  # Tolerance holds a dict, so it is not hashable
        if key not in self._scores:
            self._scores[key] = [score_row(it.label, it.prediction, tol) for it in self.items]
        return self._scores[key]

    def summary(self) -> dict[str, Any]:
        """The figures of shared/score.py for this run."""
        return summarize(self.scores())

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "parsers": list(self.parsers), "versions": self.versions,
                "threshold": self.threshold}


def resolve_chain(host: Host, spec: str, threshold: float | None = None, fallback: str | None = None) -> Chain:
    """A configured pipeline by name, or a pipeline built from comma-separated parser names;
    ``threshold`` and ``fallback`` replace the pipeline's own when given."""
    configured = host.config.pipelines.get(spec)
    if configured is not None and threshold is None and fallback is None:
        return host.chain(spec)
    names = [p.strip() for p in spec.split(",") if p.strip()]
    if configured is not None:
        names = list(configured.parsers)
    if not names:
        raise SignalosError("--chain needs a pipeline name or comma-separated parser names")
    if threshold is None:
        threshold = configured.threshold if configured is not None else 0.5
    if fallback is None:
        fallback = configured.fallback if configured is not None else "first"
    quorum = configured.quorum if configured is not None else 2
    return host.use_pipeline(spec, names, threshold, fallback=fallback, quorum=quorum)


def parser_versions(host: Host, parsers: Iterable[str]) -> dict[str, Any]:
    """For each parser: its plugin, the plugin's distribution version and the component's own
    ``version`` attribute when it has one (a model version)."""
    dists = {}
    for plugin, dist in host.pm.list_plugin_distinfo():
        dists[host.pm.get_name(plugin)] = f"{dist.project_name} {dist.version}"
    out = {}
    for name in parsers:
        entry = host.parsers.get(name)
        try:
            version = getattr(host.parser(name), "version", None)
        except Exception:  # a parser that cannot even be built is reported by the chain
            version = None
        out[name] = {"plugin": entry.plugin, "dist": dists.get(entry.plugin),
                     "version": None if version is None else str(version)}
    try:
        out["signalos"] = metadata.version("signalos")
    except metadata.PackageNotFoundError:
        pass
    return out


def run_chain(host: Host, chain: Chain, data: LabelledData, *, tolerance: Tolerance = DEFAULT_TOLERANCE,
              progress: Callable[[int], None] | None = None, workers: int = 1,
              host_factory: Callable[[], Host] | None = None) -> EvalRun:
    """Parse every row with ``chain`` (no ``parse_completed`` events: evaluation traffic is not
    production traffic) and return the run. Rows go in batches of ``BATCH`` (``Chain.parse_many``:
    a language model generates for all the rows that reach it at once). ``progress(k)`` is called
    after each batch of ``k`` messages. With ``workers`` > 1 and more than
    ``signalos.workers.MIN_ITEMS`` rows, the batches are parsed by that many worker processes,
    each with a host built by ``host_factory`` (default ``Host(config)``) and ``host``'s pipelines."""
    items: list[EvalItem] = []
    start = time.perf_counter()
    rows = data.rows
    messages = (Message(text=r.text, provider=r.provider, message_id=r.id) for r in rows)
    from signalos import workers as worker_pool

    if workers > 1 and len(rows) > worker_pool.MIN_ITEMS:
        blocks = worker_pool.parse_messages_parallel(host, chain.pipeline.name, messages, workers, batch=BATCH,
                                                     recipe=worker_pool.HostRecipe.of(host, host_factory))
    else:
        blocks = (chain.parse_many(block) for block in worker_pool.blocks(messages, BATCH))
    done = 0
    for outcomes in blocks:
        for row, outcome in zip(rows[done:done + len(outcomes)], outcomes):
            items.append(EvalItem(row, outcome.result, outcome.attempts, outcome.elapsed_ms))
        done += len(outcomes)
        if progress is not None:
            progress(len(outcomes))
    wall = time.perf_counter() - start
    pipeline = chain.pipeline
    return EvalRun(pipeline.name, items, data, tuple(pipeline.parsers),
                   parser_versions(host, pipeline.parsers), pipeline.threshold, wall, tolerance)


def run_from_predictions(name: str, data: LabelledData, predictions: Sequence[dict[str, Any]], *,
                         tolerance: Tolerance = DEFAULT_TOLERANCE) -> EvalRun:
    """A run from parses made elsewhere (``signalos parse --json`` output), matched by ``id``
    when they carry one, else by position in the labelled file, as shared/score.py matches them."""
    by_id = {p.get("id"): p for p in predictions if isinstance(p, dict) and p.get("id") is not None}
    items = []
    for row in data.rows:
        pred = by_id.get(row.id) if by_id else None
        if pred is None and row.index < len(predictions):
            pred = predictions[row.index]
        pred = pred if isinstance(pred, dict) else {}
        try:
            result = ParseResult.from_schema(pred, parser=pred.get("parser"))
        except (ValueError, TypeError, KeyError):
            result = ParseResult.noise(parser=None, confidence=0.0, accepted=False,
                                       warnings=("prediction breaks the schema",))
        schema = pred if "kind" in pred else {}
        items.append(EvalItem(row, result, (), float(pred.get("elapsed_ms") or 0.0), schema))
    return EvalRun(name, items, data, tolerance=tolerance)


def select_evaluators(host: Host, names: Sequence[str] | None) -> list[str]:
    """The evaluator names to run: the named ones (``all`` = every registered one), else the
    built-in defaults that are registered. Unknown names fail listing what exists."""
    names = [n.strip() for value in names or () for n in value.split(",") if n.strip()]  # "-e a,b" too
    if not names:
        return [n for n in DEFAULT_EVALUATORS if n in host.evaluators]
    if list(names) == ["all"]:
        return host.evaluators.names()
    for n in names:
        host.evaluators.get(n)
    return list(dict.fromkeys(names))


def run_evaluators(host: Host, run: EvalRun, names: Sequence[str]) -> dict[str, Any]:
    """Each evaluator's result by name. An evaluator that raises gives ``{"error": ...}`` naming
    its plugin, and the others still run."""
    results: dict[str, Any] = {}
    for name in names:
        plugin = host.evaluators.get(name).plugin
        try:
            out = host.component("evaluators", name).evaluate(run)
            if not isinstance(out, dict):
                raise TypeError(f"evaluate() returned {type(out).__name__}, not dict")
            results[name] = out
        except Exception as exc:
            host.record_error(name, plugin, exc, traceback.format_exc())
            results[name] = {"error": f"evaluator {name!r} (plugin {plugin!r}) failed: {type(exc).__name__}: {exc}"}
    return results
