"""Versioned artefacts for the deployer's tests: a ``table`` parser whose "model" is a directory
registered through the model registry, holding ``table.json`` (text -> schema answer).

Nothing is trained: each version is a fixture whose answers are the golden labels with chosen
faults (a field wrong for one provider, an exception, a slow parse), so the gate's verdicts are
known in advance. Importable by name, so a subprocess can load it with ``PYTHONPATH=tests``.
"""
from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

from signalos.hookspecs import hookimpl
from signalos.models import Message, ParseResult
from signalos.modelstore import Manifest, ModelStore, model_for_parser

MODEL = "table"


class TableParser:
    """Answers from ``table.json`` of the version it serves; ``parser`` in each result is the
    version's spec, so a test sees which version answered."""

    def __init__(self, host, options):
        self.ref = model_for_parser(host, MODEL, options)
        data = json.loads((self.ref.path / "table.json").read_text(encoding="utf-8"))
        self.answers: dict[str, Any] = data["answers"]
        self.sleep_s = float(data.get("sleep_s", 0))
        self.marker = data.get("marker")

    @property
    def version(self) -> str:
        return self.ref.spec

    def parse(self, message: Message) -> ParseResult | None:
        if self.marker:
            Path(self.marker).write_text("parsing", encoding="utf-8")
        if self.sleep_s:
            time.sleep(self.sleep_s)
        answer = self.answers.get(message.text)
        if answer == "raise":
            raise RuntimeError("table parser exploded")
        if answer is None:
            return None
        return ParseResult.from_schema(answer, confidence=0.9, parser=self.ref.spec)


@hookimpl
def register_parsers(register, host):
    register(MODEL, TableParser)


def golden_rows(per_provider: int = 20) -> list[dict[str, Any]]:
    """Signals and noise from two providers, ``alpha`` and ``beta``."""
    rows = []
    for provider in ("alpha", "beta"):
        for i in range(per_provider):
            if i % 5 == 4:
                rows.append({"id": f"{provider}-{i}", "text": f"{provider} chatter {i}", "provider": provider,
                             "label": {"kind": "noise"}})
                continue
            entry = 2000.0 + 10 * i
            rows.append({
                "id": f"{provider}-{i}", "text": f"{provider}: buy gold {entry}", "provider": provider,
                "label": {"kind": "signal", "symbol": "XAUUSD", "direction": "buy", "order_type": None,
                          "entry": [entry], "stop_loss": entry - 5, "take_profits": [entry + 5, entry + 10],
                          "leverage": None, "stop_loss_pips": None, "take_profit_pips": []},
            })
    return rows


def write_golden(path: Path, rows: list[dict[str, Any]] | None = None) -> Path:
    rows = golden_rows() if rows is None else rows
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def answers(rows: list[dict[str, Any]] | None = None, *, wrong_stop_for: str | None = None,
            wrong_count: int | None = None, raise_for: str | None = None) -> dict[str, Any]:
    """The golden labels as a model's answers, with faults: the stop loss wrong on ``wrong_count``
    (default all) signals of provider ``wrong_stop_for``; an exception on ``raise_for``'s."""
    rows = golden_rows() if rows is None else rows
    out, spoiled = {}, 0
    for r in rows:
        label = copy.deepcopy(r["label"])
        if r["provider"] == raise_for:
            out[r["text"]] = "raise"
            continue
        spoil = r["provider"] == wrong_stop_for and (wrong_count is None or spoiled < wrong_count)
        if label["kind"] == "signal" and spoil:
            label["stop_loss"] = label["stop_loss"] - 50
            spoiled += 1
        out[r["text"]] = label
    return out


def register_version(workspace: Path, version: str, table: dict[str, Any], **extra: Any) -> Path:
    """Save ``table.json`` as ``table@version`` through the registry; returns its directory."""
    store = ModelStore(workspace)
    try:
        staging = store.staging_dir(MODEL)
        (staging / "table.json").write_text(json.dumps({"answers": table, **extra}), encoding="utf-8")
        return store.commit(staging, Manifest(name=MODEL, version=version, kind=MODEL)).path
    finally:
        store.close()


def config(workspace: Path, golden: Path | None = None, **deployer: Any) -> dict[str, Any]:
    """A host configuration serving ``table@production`` from ``workspace``."""
    options = {"golden": str(golden)} if golden else {}
    options.update(deployer)
    return {"workspace": str(workspace), "pipelines": {"default": {"parsers": ["table@production"]}},
            "deployers": {"blue-green": options}}
