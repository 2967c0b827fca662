"""Shared helpers of the align / dedup / split tests: small labelled datasets and the CLI."""
from __future__ import annotations

from typing import Any

from signalos.dataset.repository import Dataset


def signal(symbol, direction, entry, stop, targets, **kw) -> dict[str, Any]:
    label = {"kind": "signal", "symbol": symbol, "direction": direction, "order_type": None, "entry": entry,
             "stop_loss": stop, "take_profits": targets, "leverage": None, "stop_loss_pips": None,
             "take_profit_pips": []}
    label.update(kw)
    return label


def labelled_rows() -> list[dict[str, Any]]:
    """Eight labelled messages: signals of two templates, an update, a noise line, and one
    signal whose direction is not written (so align reports it)."""
    rows = []
    for i, (price, sl, tp) in enumerate([(2404.25, 2398.25, 2409.75), (2388.75, 2382.75, 2394.25), (1962, 1957, 1968)]):
        rows.append({"text": f"XAUUSD buy now @ {price:.2f}\nSl: {sl:.2f}\nTp1: {tp:.2f}", "provider": "gold-ch",
                     "language": "en", "label": signal("XAUUSD", "buy", [price], sl, [tp], order_type="market")})
    for price in (1.0850, 1.0912):
        rows.append({"text": f"EURUSD SELL {price:.4f}\nSL {price + 0.005:.4f}\nTP {price - 0.01:.4f}",
                     "provider": "fx-ch", "language": "en",
                     "label": signal("EURUSD", "sell", [price], round(price + 0.005, 4), [round(price - 0.01, 4)])})
    rows.append({"text": "XAUUSD in at 2150 | stop 2141 | take 2163", "provider": "fx-ch", "language": "en",
                 "label": signal("XAUUSD", "buy", [2150], 2141, [2163])})
    rows.append({"text": "EURUSD move SL to 1.0900", "provider": "fx-ch", "language": "en",
                 "label": {"kind": "update", "symbol": "EURUSD",
                           "actions": [{"type": "move_sl", "price": 1.09, "percent": None, "tp": None}]}})
    rows.append({"text": "Good morning traders", "provider": "fx-ch", "language": "en", "label": {"kind": "noise"}})
    return rows


def add_rows(ds: Dataset, rows: list[dict[str, Any]]) -> list[int]:
    """Store ``rows`` as one batch; returns the new message ids in order."""
    batch = ds.add_batch("test")
    before = ds.db.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
    ds.add_messages(rows, batch)
    return [r[0] for r in ds.db.execute("SELECT id FROM messages WHERE id > ? ORDER BY id", [before])]


def cli(args: list[str]):
    """Run the CLI in-process: through ``signalos.cli`` when the ``data`` group is there, else
    through an app holding only this part's commands."""
    from typer.testing import CliRunner

    try:
        import signalos.cli.data_cmd  # noqa: F401
    except ModuleNotFoundError:
        import typer

        from signalos.cli import data_prep

        app, data_app = typer.Typer(), typer.Typer()
        data_prep.register(data_app)
        app.add_typer(data_app, name="data")
        return CliRunner().invoke(app, args)
    from signalos.testing import run_cli

    return run_cli(args)
