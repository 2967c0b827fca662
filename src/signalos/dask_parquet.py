"""Parquet archives for :mod:`signalos.dask`: a partition (a pandas DataFrame) in, the same rows
with the answer's columns out, under one fixed Arrow schema.

A row is turned into the JSON object ``signalos parse`` reads and goes through the same
``stream_jsonl``, so a row is read, checked and answered exactly as a line of a JSON Lines file;
the answer's nested values (``actions``, ``spans``) are written as JSON text, lists of prices as
lists of doubles, and ``error`` says why a row without a usable text was not parsed.
"""
from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

from signalos.dask import BAD_LINES_KEPT, _run, _task, archive_files, require_modules, worker_host
from signalos.errors import InputError
from signalos.workers import HostRecipe


def require_parquet() -> None:
    """Raise MissingDependencyError naming the extra when pandas, pyarrow or dask.dataframe is missing."""
    require_modules(("pyarrow", "pandas", "dask.dataframe"))


# The answer's columns in a Parquet partition; nested values (spans, actions) are JSON text.
RESULT_COLUMNS = ("kind", "symbol", "direction", "order_type", "entry", "stop_loss", "take_profits", "leverage",
                  "stop_loss_pips", "take_profit_pips", "actions", "parser", "confidence", "accepted", "spans",
                  "warnings", "error")
_JSON_COLUMNS = ("actions", "spans")


def _result_schema() -> dict[str, Any]:
    import pyarrow as pa

    floats = pa.list_(pa.float64())
    types = {"entry": floats, "take_profits": floats, "take_profit_pips": floats, "stop_loss": pa.float64(),
             "leverage": pa.float64(), "stop_loss_pips": pa.float64(), "confidence": pa.float64(),
             "accepted": pa.bool_(), "warnings": pa.list_(pa.string())}
    return {c: types.get(c, pa.string()) for c in RESULT_COLUMNS}


def _output_schema(source: Any, text_column: str) -> Any:
    """The Arrow schema of every output partition, given in full: the input's columns less the
    text, then the answer's. Inferred from the first partition instead, a column that is empty
    there (no signal, so no entry) would get a type the next partition's values do not fit."""
    import fsspec
    import pyarrow as pa
    import pyarrow.parquet as pq

    with fsspec.open(archive_files(source, "parquet")[0], "rb") as fh:
        schema = pq.read_schema(fh)
    fields = [f for f in schema if f.name != text_column and f.name not in RESULT_COLUMNS]
    fields += [pa.field(name, kind) for name, kind in _result_schema().items()]
    return pa.schema(fields)


def _result_meta(input_meta: Any, text_column: str) -> Any:
    import pandas as pd

    frame = input_meta.drop(columns=[text_column]).copy()
    for column, kind in _result_schema().items():
        frame[column] = pd.Series([], dtype="float64" if str(kind) == "double" else
                                  "bool" if str(kind) == "bool" else "object")
    return frame


def parse_frame(frame: Any, recipe: HostRecipe, token: str, options: dict[str, Any], text_column: str) -> Any:
    """One Parquet partition (a pandas DataFrame) through the worker's host: the input's columns
    but the text, and the answer's columns (``RESULT_COLUMNS``). A row without a usable text
    keeps its columns and says why in ``error``."""
    from signalos.cli.parse import stream_jsonl

    host = worker_host(recipe, token)
    out = frame.drop(columns=[text_column]).copy()
    # Each row as the JSON object signalos parse reads (pandas writes missing values as null),
    # so a row is read, checked and answered exactly as a line of a JSON Lines file.
    rows = frame[[text_column]].rename(columns={text_column: "text"})
    lines = rows.to_json(orient="records", lines=True, force_ascii=False).splitlines() if len(rows) else []
    buffer = io.StringIO()
    _task.errors = []
    try:
        stream_jsonl(host, lines, buffer, warn=lambda text: None, **options)
    finally:
        _task.errors = None
    answers = [json.loads(line) for line in buffer.getvalue().splitlines()]
    for column in RESULT_COLUMNS:
        values = [a.get(column) for a in answers]
        if column in _JSON_COLUMNS:
            values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
        if column == "accepted":
            values = [bool(v) for v in values]
        out[column] = values
    return out



def parse_parquet(source: Any, dest: str, recipe: HostRecipe, token: str, options: dict[str, Any],
                   text_column: str, client: Any) -> dict[str, Any]:
    """Parse a Parquet archive (``signalos.dask.parse_archive`` with ``fmt="parquet"``): every
    partition through its worker's host, written under ``dest`` as Parquet; returns the report
    (partitions, counts by kind, the first bad rows of each partition)."""
    require_parquet()
    import dask.dataframe as dd

    frame = dd.read_parquet(source)
    if text_column not in frame.columns:
        raise InputError(f"{source}: no column {text_column!r} (columns: {', '.join(map(str, frame.columns))})")
    answers = frame.map_partitions(parse_frame, recipe, token, options, text_column,
                                   meta=_result_meta(frame._meta, text_column))
    write = answers.to_parquet(dest, schema=_output_schema(source, text_column), write_index=False,
                               compute=False)
    _run([write], client, None)
    import dask

    # What was written, partition by partition (small answers: counts and the first bad rows).
    written = dd.read_parquet(dest, columns=["kind", "error"]).to_delayed()
    parts = _run([dask.delayed(_written_counts)(part, i) for i, part in enumerate(written)], client, None)
    counts: Counter = Counter()
    for part in parts:
        counts.update(part["counts"])
    return {"format": "parquet", "source": str(source), "dest": dest, "pipeline": options["pipeline"],
            "partitions": len(parts), "messages": sum(counts.values()) - counts["error"], "counts": dict(counts),
            "bad_lines": [line for part in parts for line in part["bad"]]}


def _written_counts(frame: Any, partition: int) -> dict[str, Any]:
    errors = frame["error"].notna()
    counts = Counter({str(k): int(v) for k, v in frame.loc[~errors, "kind"].value_counts().items()})
    if errors.any():
        counts["error"] = int(errors.sum())
    bad = [f"partition {partition}, row {row + 1}: {reason}"
           for row, reason in zip(errors.to_numpy().nonzero()[0][:BAD_LINES_KEPT], frame.loc[errors, "error"])]
    return {"counts": dict(counts), "bad": bad}
