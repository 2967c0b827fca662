"""The smoke evaluation of one model version on the golden set, and the promotion gate.

The smoke run builds a fresh parser instance for ``name@version`` through its plugin's factory
(never the host's cached one, so the serving instance is untouched) and parses every golden
message with it alone. The gate compares the figures of a candidate with those of the baseline
(production): overall exact match and kind accuracy, each signal field, each provider slice.
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from signalos.aliaswatch import warm
from signalos.evaluation.data import LabelledData
from signalos.evaluation.run import EvalItem, EvalRun
from signalos.evaluation.stats import percentiles
from signalos.models import Message, ParseResult
from signalos_deploy.errors import DeployError

if TYPE_CHECKING:
    from signalos.host import Host

Tick = Callable[[int], None]


@attrs.frozen
class GateOptions:
    """What the gate allows; from ``[deployers.blue-green]``."""

    margin: float = 0.02
    min_support: int = 1
    max_error_rate: float = 0.0

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> GateOptions:
        return cls(margin=float(options.get("margin", 0.02)), min_support=int(options.get("min_support", 1)),
                   max_error_rate=float(options.get("max_error_rate", 0.0)))


@attrs.frozen
class Smoke:
    """One version on the golden set: whether it loaded, and its figures when it did."""

    spec: str
    loaded: bool
    load_error: str | None = None
    figures: dict[str, Any] = attrs.field(factory=dict)

    def problems(self, opts: GateOptions) -> list[str]:
        """Why this version may not serve at all (empty when the smoke test passes)."""
        if not self.loaded:
            return [f"{self.spec} failed to load: {self.load_error}"]
        n, errors = self.figures.get("n", 0), self.figures.get("errors", 0)
        if n and errors / n > opts.max_error_rate:
            return [f"{self.spec} raised on {errors} of {n} golden messages "
                    f"(allowed {opts.max_error_rate:.0%}); first: {self.figures.get('first_error')}"]
        return []

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def parser_component(host: Host, name: str, kind: str | None) -> str:
    """The parser component that serves model ``name``: the manifest's kind when a parser has that
    name (``spacy-ner``, ``transformer``), else the model's own name."""
    for candidate in (kind, name):
        if candidate and candidate in host.parsers:
            return candidate
    known = ", ".join(host.parsers.names()) or "none"
    raise DeployError(f"no parser serves model {name!r} (kind {kind!r}); parsers: {known}")


def build_parser(host: Host, component: str, name: str, version: str, workspace: str) -> Any:
    """A new instance of ``component`` serving ``name@version`` from ``workspace``, loaded."""
    options = host.config.options("parsers", component)
    options.update({"model": version, "workspace": workspace})
    if name != component:
        options["name"] = name
    instance = host.parsers.get(component).factory(host, options)
    warm(instance)
    served = getattr(instance, "version", None)
    # A plugin that ignored options["model"] would make the whole gate meaningless.
    if isinstance(served, str) and served not in (version, f"{name}@{version}", f"{component}@{version}"):
        raise RuntimeError(f"the parser serves {served}, not {name}@{version}")
    return instance


def smoke(host: Host, component: str, name: str, version: str, workspace: str, data: LabelledData,
          tick: Tick | None = None) -> Smoke:
    """Load ``name@version`` and parse every golden message with it; never raises for the model."""
    spec = f"{name}@{version}"
    try:
        parser = build_parser(host, component, name, version, workspace)
    except Exception as exc:
        return Smoke(spec, False, f"{type(exc).__name__}: {exc}")
    items, errors, first_error = [], 0, None
    start = time.perf_counter()
    for row in data.rows:
        message = Message(text=row.text, provider=row.provider, message_id=row.id)
        t0 = time.perf_counter()
        try:
            result = parser.parse(message)
        except Exception as exc:
            errors += 1
            first_error = first_error or f"{row.id}: {type(exc).__name__}: {exc}"
            result = None
        if not isinstance(result, ParseResult):
            result = ParseResult.noise(parser=spec, confidence=0.0, accepted=False)
        items.append(EvalItem(row, result, (), (time.perf_counter() - t0) * 1000.0))
        if tick is not None:
            tick(1)
    run = EvalRun(spec, items, data, (spec,), wall_s=time.perf_counter() - start)
    return Smoke(spec, True, None, figures(run, errors, first_error))


def figures(run: EvalRun, errors: int = 0, first_error: str | None = None) -> dict[str, Any]:
    """What the gate compares: the shared summary's figures and exact match per provider."""
    summary = run.summary()
    by_provider: dict[str, list] = defaultdict(list)
    for item, score in zip(run.items, run.scores()):
        by_provider[item.row.provider or "unknown"].append(score)
    providers = {p: {"n": len(ss), "exact_match": round(sum(s.exact for s in ss) / len(ss), 4)}
                 for p, ss in sorted(by_provider.items())}
    return {
        "n": summary["n"], "exact_match": summary["exact_match"], "kind_accuracy": summary["kind_accuracy"],
        "signal_fields": summary["signal_fields"], "providers": providers, "errors": errors,
        "first_error": first_error, "latency_ms": percentiles([it.latency_ms for it in run.items]),
    }


def compare(baseline: dict[str, Any], candidate: dict[str, Any], opts: GateOptions) -> tuple[list[str], list[dict]]:
    """The regressions past ``opts.margin`` (reasons, one line each) and every comparison made."""
    rows: list[dict[str, Any]] = []

    def check(what: str, base: float | None, cand: float | None, n: int | None = None) -> None:
        if base is None:
            return
        cand = cand or 0.0
        delta = round(cand - base, 4)
        # rounding the figures to 4 places must not turn an allowed drop into a refusal
        rows.append({"what": what, "baseline": base, "candidate": cand, "delta": delta, "n": n,
                     "regressed": delta < -opts.margin - 1e-9})

    check("exact_match", baseline.get("exact_match"), candidate.get("exact_match"), baseline.get("n"))
    check("kind_accuracy", baseline.get("kind_accuracy"), candidate.get("kind_accuracy"), baseline.get("n"))
    for field, base in (baseline.get("signal_fields") or {}).items():
        check(f"field {field}", base, (candidate.get("signal_fields") or {}).get(field))
    for provider, b in (baseline.get("providers") or {}).items():
        if b["n"] < opts.min_support:
            continue
        c = (candidate.get("providers") or {}).get(provider) or {}
        check(f"provider {provider}", b["exact_match"], c.get("exact_match"), b["n"])
    reasons = [f"{r['what']}: {r['baseline']:.3f} -> {r['candidate']:.3f} ({r['delta']:+.3f}, "
               f"margin {opts.margin:.3f})" + (f" on {r['n']} messages" if r["n"] else "")
               for r in rows if r["regressed"]]
    return reasons, rows
