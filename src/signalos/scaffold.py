"""``signalos new-plugin NAME``: a new provider-parser plugin package, with its tests.

``examples/provider-parser`` is this command's output for ``acme-channel`` (marker ``ACME``, title
"ACME Signals"; tests/test_examples.py keeps the two equal). Every name derives from NAME:
the distribution ``signalos-NAME``, the module ``signalos_NAME``, the entry point and component
``NAME``, the parser class and the marker its format starts with. Its tests pass as generated,
so a new channel starts from a green suite and changes the format and the tests together.
"""
from __future__ import annotations

import re
from pathlib import Path

import attrs

from signalos.errors import SignalosError

NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


@attrs.frozen
class PluginNames:
    """Every name of a new plugin, from its component name (kebab-case)."""

    component: str
    marker: str
    title: str

    @property
    def dist(self) -> str:
        return f"signalos-{self.component}"

    @property
    def ident(self) -> str:
        return self.component.replace("-", "_")

    @property
    def package(self) -> str:
        return f"signalos_{self.ident}"

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.component.split("-")) + "Parser"

    def fill(self, template: str) -> str:
        values = {"dist": self.dist, "package": self.package, "ident": self.ident, "component": self.component,
                  "class_name": self.class_name, "marker": self.marker, "marker_re": re.escape(self.marker),
                  "title": self.title}
        return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m[1]], template)


def plugin_names(name: str, marker: str | None = None, title: str | None = None) -> PluginNames:
    """The names of plugin ``name`` (``signalos-`` in front is dropped); SignalosError when the
    name is no kebab-case component name or the marker has spaces."""
    component = name.removeprefix("signalos-").removeprefix("signalos_").replace("_", "-")
    if not NAME.fullmatch(component):
        raise SignalosError(f"plugin name {name!r}: use lower-case letters, digits and dashes, e.g. 'gold-room'")
    marker = marker or component.upper()
    if not marker or any(c.isspace() for c in marker):
        raise SignalosError(f"marker {marker!r}: one word, without spaces")
    return PluginNames(component, marker, title or " ".join(p.capitalize() for p in component.split("-")))


def write_plugin(names: PluginNames, directory: Path, *, force: bool = False) -> list[Path]:
    """Write the plugin package into ``directory`` (made if missing; it must be empty unless
    ``force``); returns the files written."""
    if directory.exists() and any(directory.iterdir()) and not force:
        raise SignalosError(f"{directory} is not empty; choose another --dir or pass --force")
    written = []
    for path_template, template in FILES:
        path = directory / names.fill(path_template)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(names.fill(template), encoding="utf-8")
        written.append(path)
    return written


_PYPROJECT = r'''[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "{{dist}}"
version = "0.1.0"
description = "A signalos parser for the message format of the {{title}} channel."
requires-python = ">=3.11"
dependencies = ["signalos>=0.1"]

[project.optional-dependencies]
test = ["pytest>=8"]

# This is what makes signalos find the plugin: the `signalos` entry-point group.
[project.entry-points.signalos]
{{component}} = "{{package}}"

[tool.setuptools]
packages = ["{{package}}"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]
'''

_PARSER = r'''"""signalos plugin: the ``{{component}}`` parser for the one-line format of "{{title}}".

    {{marker}} ▲ EURUSD | in 1.0850 | stop 1.0820 | targets 1.0880 / 1.0910    (▲ buy, ▼ sell)
    {{marker}} ▲ BTCUSDT | in market | stop 61200 | targets 64000              (a market order)
    {{marker}} ✖ EURUSD | closed                                                (close the trade)

Any other message is "not mine" (``None``): the next parser of the pipeline gets it.
"""
from __future__ import annotations

import re

from signalos.hookspecs import hookimpl
from signalos.models import Action, Message, ParseResult

__all__ = ["{{class_name}}", "register_parsers"]

HEADER = re.compile(r"\s*{{marker_re}}\s+(?P<arrow>[▲▼✖])\s*(?P<symbol>[A-Za-z0-9/]{3,15})")
FIELD = re.compile(r"\|\s*(?P<key>in|stop|targets)\s+(?P<value>[^|]*)", re.IGNORECASE)
NUMBER = re.compile(r"\d+(?:\.\d+)?")
DIRECTIONS = {"▲": "buy", "▼": "sell"}


class {{class_name}}:
    """The ``{{component}}`` component. Options (``[parsers.{{component}}]`` in signalos.toml):
    ``confidence``, the confidence it gives its answers (default 0.95)."""

    def __init__(self, host, options):
        self.confidence = float(options.get("confidence", 0.95))

    def parse(self, message: Message) -> ParseResult | None:
        text = message.text
        head = HEADER.match(text)
        if head is None:
            return None
        symbol = head["symbol"].replace("/", "").upper()
        spans: dict = {"symbol": (head.span("symbol"),)}
        if head["arrow"] == "✖":
            return ParseResult(kind="update", symbol=symbol, actions=[Action("close")],
                               confidence=self.confidence, spans=spans)
        levels: dict[str, list[tuple[float, tuple[int, int]]]] = {}
        market = False
        for field in FIELD.finditer(text):
            key, start = field["key"].lower(), field.start("value")
            if key == "in" and field["value"].strip().lower() == "market":
                market = True
            levels[key] = [(float(m.group()), (start + m.start(), start + m.end()))
                           for m in NUMBER.finditer(field["value"])]
        entry, stop, targets = levels.get("in", []), levels.get("stop", []), levels.get("targets", [])
        for name, found in (("entry", entry), ("stop_loss", stop[:1]), ("take_profits", targets)):
            if found:
                spans[name] = tuple(span for _, span in found)
        return ParseResult(
            kind="signal", symbol=symbol, direction=DIRECTIONS[head["arrow"]],
            # The format says "in market" for market orders and nothing at all otherwise.
            order_type="market" if market else None,
            entry=[price for price, _ in entry], stop_loss=stop[0][0] if stop else None,
            take_profits=[price for price, _ in targets],
            confidence=self.confidence, spans=spans,
        )


@hookimpl
def register_parsers(register, host):
    register("{{component}}", {{class_name}})
'''

_TESTS = r'''"""Tests of the {{component}} parser, built on the helpers signalos ships for plugin authors."""
from pathlib import Path

import pytest

import {{package}}
from signalos.testing import make_host, parser_plugin, signalos_host  # noqa: F401 (a fixture)

CONFIG = str(Path(__file__).parent.parent / "signalos.toml")


@pytest.fixture
def host(signalos_host):
    return signalos_host({{package}}, config={"pipelines": {"default": {"parsers": ["{{component}}"]}}})


def test_buy_signal(host):
    text = "{{marker}} ▲ EURUSD | in 1.0850 | stop 1.0820 | targets 1.0880 / 1.0910"
    result = host.parse(text).result
    assert result.to_schema() == {
        "kind": "signal", "symbol": "EURUSD", "direction": "buy", "order_type": None,
        "entry": [1.085], "stop_loss": 1.082, "take_profits": [1.088, 1.091], "leverage": None,
        "stop_loss_pips": None, "take_profit_pips": [],
    }
    assert result.parser == "{{component}}" and result.accepted
    assert [text[a:b] for a, b in result.spans["take_profits"]] == ["1.0880", "1.0910"]
    assert [text[a:b] for a, b in result.spans["stop_loss"]] == ["1.0820"]


def test_sell_zone_and_market_order(host):
    sell = host.parse("{{marker}} ▼ XAU/USD | in 2348-2345 | stop 2356 | targets 2330 / 2320").result
    assert (sell.symbol, sell.direction, sell.entry, sell.take_profits) == ("XAUUSD", "sell", (2345, 2348), (2330, 2320))
    market = host.parse("{{marker}} ▲ BTCUSDT | in market | stop 61200 | targets 64000").result
    assert (market.order_type, market.entry, market.stop_loss) == ("market", (), 61200)


def test_close_update(host):
    result = host.parse("{{marker}} ✖ EURUSD | closed").result
    assert result.to_schema() == {"kind": "update", "symbol": "EURUSD", "actions": [
        {"type": "close", "price": None, "percent": None, "tp": None}]}


def test_an_unsound_{{ident}}_signal_is_not_accepted(host):
    # A buy whose stop is above its entry: the chain's validator refuses it.
    result = host.parse("{{marker}} ▲ EURUSD | in 1.0850 | stop 1.0900 | targets 1.0880").result
    assert not result.accepted and any("stop loss" in w for w in result.warnings)


@pytest.mark.parametrize("text", ["EURUSD buy 1.0850", "{{marker}} newsletter out today", "", "▲▼✖"])
def test_other_messages_are_not_mine(host, text):
    outcome = host.parse(text)
    assert outcome.attempts[0].reason == "no answer"


def test_first_in_a_pipeline_before_another_parser(signalos_host):
    # A stand-in for the built-in regex parser, so this test does not depend on what it reads.
    fallback = parser_plugin("regex", lambda message: {"kind": "noise"})
    host = signalos_host({{package}}, fallback, config=CONFIG)
    assert host.parse("{{marker}} ▼ GBPUSD | in 1.2710 | stop 1.2750 | targets 1.2650").result.parser == "{{component}}"
    assert host.parse("good morning traders").result.parser == "regex"


def test_confidence_option(signalos_host):
    config = {"pipelines": {"default": {"parsers": ["{{component}}"]}},
              "parsers": {"{{component}}": {"confidence": 0.6}}}
    host = signalos_host({{package}}, config=config)
    assert host.parse("{{marker}} ✖ EURUSD").result.confidence == 0.6
'''

_TOML = r'''# Try the channel's own parser first; every message it does not recognise goes to the built-in
# regex parser.  Run:  signalos --config signalos.toml parse "{{marker}} ▲ EURUSD | in 1.0850 | ..."
default_pipeline = "default"

[pipelines.default]
parsers = ["{{component}}", "regex"]
threshold = 0.5
on_error = "continue"

# Options handed to the {{component}} factory.
[parsers.{{component}}]
confidence = 0.95
'''

_README = r'''# {{dist}}

A [signalos](https://pypi.org/project/signalos/) plugin: the `{{component}}` parser for the
messages of the {{title}} channel, written by `signalos new-plugin {{component}}`. As generated
it reads a one-line format; change `{{package}}/__init__.py` and its tests to your channel's own.

```
{{marker}} ▲ EURUSD | in 1.0850 | stop 1.0820 | targets 1.0880 / 1.0910     ▲ buy, ▼ sell
{{marker}} ▲ BTCUSDT | in market | stop 61200 | targets 64000               a market order
{{marker}} ✖ EURUSD | closed                                                 close the trade
```

It answers `None` for every other message, so a pipeline that lists it before `regex`
(`signalos.toml` here) sends the rest of the channel's traffic to the built-in parser.

```bash
pytest -q                         # the tests pass as generated
pip install -e '.[test]'          # registers the entry point: signalos plugins lists {{component}}
signalos --config signalos.toml parse "{{marker}} ▼ GBPUSD | in 1.2710 | stop 1.2750 | targets 1.2650"
```
'''

FILES: tuple[tuple[str, str], ...] = (
    ("pyproject.toml", _PYPROJECT),
    ("{{package}}/__init__.py", _PARSER),
    ("tests/test_{{ident}}.py", _TESTS),
    ("signalos.toml", _TOML),
    ("README.md", _README),
)
