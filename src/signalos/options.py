"""The typed schema of signalos.toml: checks that name the key at fault, and the option tables of
the built-in components.

Every table is read into an attrs class whose validators say what each key takes, so
``max_chars = "lots"`` or ``doubt = "no"`` is one ConfigError naming ``[parsers.regex] max_chars``
when the host starts, instead of a parser that fails on every message (answered as noise) or
reads ``"no"`` as true. A keyword or symbol file named in the options is read then too: a list
written as a string (``buy = "notalist"``, read letter by letter), an unknown section or an
invalid ``re:`` pattern is refused with the file and the entry named.

A third-party component's table is left to its factory; a factory that raises when its pipeline
starts is a ConfigError too (see ``Host.chain``).
"""
from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import attrs

from signalos.errors import ConfigError

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


# checks -----------------------------------------------------------------------------------------

def read_toml(path: Path, where: str) -> dict[str, Any]:
    """A TOML file read whole; one ConfigError naming ``where`` when it is missing, unreadable or
    not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where}: file not found ({path})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None


def key_of(attribute: attrs.Attribute) -> str:
    """The TOML key of a field: its ``alias`` (``window`` for ``window_s``), else its name."""
    return getattr(attribute, "alias", None) or attribute.name


def _fail(attribute: attrs.Attribute, expected: str, value: Any) -> NoReturn:
    raise ConfigError(f"{key_of(attribute)}: expected {expected}, got {value!r}")


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number(low: float | None = None, high: float | None = None, *, above: float | None = None) -> Validator:
    """A finite number (not a boolean) in ``[low, high]``, or greater than ``above``."""
    if low is not None and high is not None:
        expected = f"a number between {low:g} and {high:g}"
    elif above is not None:
        expected = f"a number above {above:g}"
    else:
        expected = f"a number, at least {low:g}" if low is not None else "a number"

    def check(_: Any, attribute: attrs.Attribute, value: Any) -> None:
        if not is_number(value) or (low is not None and value < low) or (high is not None and value > high) \
                or (above is not None and value <= above):
            _fail(attribute, expected, value)
    return check


def whole(low: int = 0) -> Validator:
    def check(_: Any, attribute: attrs.Attribute, value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            _fail(attribute, f"a whole number, at least {low}", value)
    return check


def one_of(*choices: str) -> Validator:
    def check(_: Any, attribute: attrs.Attribute, value: Any) -> None:
        if value not in choices:
            _fail(attribute, "one of " + ", ".join(choices), value)
    return check


def flag(_: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, bool):
        _fail(attribute, "true or false", value)


def text(_: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        _fail(attribute, "a non-empty string", value)


def name_of(what: str) -> Validator:
    """A non-empty string naming ``what`` (a pipeline, a directory)."""
    def check(_: Any, attribute: attrs.Attribute, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            _fail(attribute, what, value)
    return check


def table(_: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, dict):
        _fail(attribute, "a table", value)


def tables(_: Any, attribute: attrs.Attribute, value: Any) -> None:
    """A table of named tables (``[pipelines.NAME]``, ``[parsers.NAME]``): the entry that is not
    a table is named."""
    if not isinstance(value, dict):
        _fail(attribute, "a table of named tables", value)
    for name, entry in value.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{key_of(attribute)}.{name}: expected a table, got {entry!r}")


def optional(check: Validator) -> Validator:
    def optional_check(instance: Any, attribute: attrs.Attribute, value: Any) -> None:
        if value is not None:
            check(instance, attribute, value)
    return optional_check


def texts(*, empty: bool = True) -> Validator:
    """A list of non-empty strings (a string alone is refused: it would be read letter by letter)."""
    def check(_: Any, attribute: attrs.Attribute, value: Any) -> None:
        if not isinstance(value, tuple) or not all(isinstance(v, str) and v.strip() for v in value) \
                or (not empty and not value):
            _fail(attribute, "a list of names" if empty else "a non-empty list of names", value)
    return check


def as_tuple(value: Any) -> Any:
    """Converter: a TOML list becomes a tuple; anything else is left for the validator to refuse."""
    return tuple(value) if isinstance(value, list) else value


def as_float(value: Any) -> Any:
    """Converter: an int becomes a float; anything else is left for the validator to refuse."""
    return float(value) if is_number(value) else value


def from_table(cls: type, table: Any, where: str, **given: Any) -> Any:
    """An instance of the attrs class ``cls`` from the TOML table ``[where]``: an unknown key or
    a wrong value is a ConfigError naming the table and the key."""
    if not isinstance(table, dict):
        raise ConfigError(f"[{where}]: expected a table, got {table!r}")
    known = [key_of(f) for f in attrs.fields(cls) if f.init and key_of(f) not in given]
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ConfigError(f"[{where}]: unknown keys {', '.join(unknown)}; known: {', '.join(known)}")
    try:
        return cls(**given, **table)
    except ConfigError as exc:
        raise ConfigError(f"[{where}] {exc}") from None


# the built-in components' options ---------------------------------------------------------------

@attrs.frozen
class ProviderTables:
    """``[parsers.regex.providers.NAME]``: tables for one provider only."""

    keywords: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=texts())
    symbols: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=texts())


@attrs.frozen
class RegexOptions:
    """``[parsers.regex]``, see ``signalos_regex.parser.RegexParser``."""

    keywords: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=texts())
    symbols: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=texts())
    max_chars: int = attrs.field(default=4096, validator=whole(1))
    doubt: bool = attrs.field(default=True, validator=flag)
    providers: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class LearnedOptions:
    """``[parsers.spacy-ner]``, ``[parsers.transformer]``, ``[parsers.llm]`` (and their
    ``"name@ref"`` tables): which registered model serves, or a model directory."""

    model: str | None = attrs.field(default=None, validator=optional(text))
    path: str | None = attrs.field(default=None, validator=optional(text))
    name: str | None = attrs.field(default=None, validator=optional(text))
    workspace: str | None = attrs.field(default=None, validator=optional(text))
    batch_size: int | None = attrs.field(default=None, validator=optional(whole(1)))
    max_new_tokens: int | None = attrs.field(default=None, validator=optional(whole(1)))
    processes: int | None = attrs.field(default=None, validator=optional(whole(1)))  # spacy-ner
    constrained: bool | None = attrs.field(default=None, validator=optional(flag))  # llm
    jump_forward: bool | None = attrs.field(default=None, validator=optional(flag))  # llm
    bf16: bool | None = attrs.field(default=None, validator=optional(flag))  # llm


@attrs.frozen
class DeployerOptions:
    """``[deployers.blue-green]``, see ``signalos_deploy``."""

    golden: str | None = attrs.field(default=None, validator=optional(text))
    workspace: str | None = attrs.field(default=None, validator=optional(text))
    margin: float = attrs.field(default=0.02, converter=as_float, validator=number(0.0, 1.0))
    min_support: int = attrs.field(default=1, validator=whole(1))
    max_error_rate: float = attrs.field(default=0.0, converter=as_float, validator=number(0.0, 1.0))
    gated_aliases: tuple[str, ...] = attrs.field(default=("production",), converter=as_tuple, validator=texts())
    baseline_alias: str = attrs.field(default="production", validator=text)


@attrs.frozen
class RouterOptions:
    """``[routers.ab]``, see ``signalos_ab.routing.ABRouter``."""

    workspace: str | None = attrs.field(default=None, validator=optional(text))
    refresh_s: float = attrs.field(default=5.0, converter=as_float, validator=number(0.0))


SCHEMAS: dict[tuple[str, str], type] = {
    ("parsers", "regex"): RegexOptions,
    ("parsers", "spacy-ner"): LearnedOptions,
    ("parsers", "transformer"): LearnedOptions,
    ("parsers", "llm"): LearnedOptions,
    ("deployers", "blue-green"): DeployerOptions,
    ("routers", "ab"): RouterOptions,
}


def check_component_options(kind: str, name: str, options: Any, base_dir: Path) -> None:
    """Check ``[kind.name]`` against its schema when the component is a built-in one (a
    ``name@ref`` table against that of ``name``); the files it names are read and checked."""
    where = f"{kind}.{name}"
    if not isinstance(options, dict):
        raise ConfigError(f"[{where}]: expected a table of options, got {options!r}")
    schema = SCHEMAS.get((kind, name.partition("@")[0]))
    if schema is None:
        return
    checked = from_table(schema, options, where)
    if isinstance(checked, RegexOptions):
        _check_regex_files(checked, base_dir, where)


def _check_regex_files(options: RegexOptions, base_dir: Path, where: str) -> None:
    tables = [("keywords", options.keywords, where), ("symbols", options.symbols, where)]
    if not isinstance(options.providers, dict):
        raise ConfigError(f"[{where}] providers: expected a table of provider tables, got {options.providers!r}")
    for provider, table in options.providers.items():
        sub = f"{where}.providers.{provider}"
        own = from_table(ProviderTables, table, sub)
        tables += [("keywords", own.keywords, sub), ("symbols", own.symbols, sub)]
    for kind, files, at in tables:
        for name in files:
            path = Path(name) if Path(name).is_absolute() else base_dir / name
            check_table_file(kind, path, f"[{at}] {kind}: {name}")


# keyword and symbol files -----------------------------------------------------------------------

# Which table levels hold a closed set of names: a keyword file's sections and their concepts
# (an unknown direction or label would be read into the answer, or ignored), a symbol file's
# sections only (its tables are keyed by symbols, which anyone may add).
_CLOSED_DEPTH = {"keywords": 2, "symbols": 1}


def check_table_file(kind: str, path: Path, where: str) -> None:
    """A user's ``keywords`` or ``symbols`` file: readable TOML in the shape of the built-in
    table (a word list where it has a word list, a table where it has a table), no unknown
    section or concept, and every ``re:`` pattern compiles. ConfigError names the entry."""
    from signalos.normalize import load_tables

    data = read_toml(path, where)
    builtin = load_tables(kind)
    if kind == "keywords" and isinstance(builtin.get("emoji_labels"), dict):
        # an emoji may stand in for any label, not only those the built-in table gives one
        builtin = {**builtin, "emoji_labels": {**dict.fromkeys(builtin.get("labels", {}), []),
                                               **builtin["emoji_labels"]}}
    _check_shape(data, builtin, (), where, _CLOSED_DEPTH[kind])


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        return "table"
    if isinstance(value, list):
        return "list"
    if isinstance(value, bool):
        return "flag"
    return "number" if isinstance(value, (int, float)) else "text" if isinstance(value, str) else "value"


_SHAPES = {"table": "a table", "list": "a list", "flag": "true or false", "number": "a number", "text": "a string"}
# "a list of {item}s"
_ITEMS = {"text": "string", "number": "number", "table": "table", "list": "list", "flag": "flag"}


def _check_shape(user: dict[str, Any], ref: dict[str, Any], at: tuple[str, ...], where: str, closed: int) -> None:
    # the shape of a key the built-in table lacks: that of its siblings, when they agree
    sibling_shapes = {_shape(v) for v in ref.values()}
    sibling = next(iter(ref.values())) if len(sibling_shapes) == 1 else None
    for key, value in user.items():
        path = at + (key,)
        name = f"[{'.'.join(at)}] {key}" if at else f"[{key}]"
        if key == "replace" and at and isinstance(value, bool):
            continue  # merge_tables: replace the built-in table instead of extending it
        if key in ref:
            model = ref[key]
        elif len(at) < closed or sibling is None:
            known = ", ".join(k for k in ref) or "none"
            raise ConfigError(f"{where}: unknown {'section' if not at else 'entry'} {name}; known: {known}")
        else:
            model = sibling
        expected = _shape(model)
        if expected == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
            continue
        if _shape(value) != expected:
            what = _SHAPES.get(expected, expected)
            if expected == "list":
                what = f"a list of {_ITEMS.get(_shape(model[0]) if model else 'text', 'value')}s"
            raise ConfigError(f"{where}: {name}: expected {what}, got {value!r}")
        if expected == "table":
            _check_shape(value, model, path, where, closed)
        elif expected == "list":
            _check_list(value, model, name, where)


def _check_list(value: list[Any], model: list[Any], name: str, where: str) -> None:
    import regex

    item_shape = _shape(model[0]) if model else "text"
    for item in value:
        if _shape(item) != item_shape and not (item_shape == "number" and is_number(item)):
            raise ConfigError(f"{where}: {name}: expected a list of {_ITEMS.get(item_shape, item_shape)}s, "
                              f"got the entry {item!r}")
        if isinstance(item, str) and item.startswith("re:"):
            try:  # compiled as signalos_regex.patterns compiles them
                regex.compile(item[3:], regex.MULTILINE | regex.V0)
            except (regex.error, ValueError, TypeError) as exc:
                raise ConfigError(f"{where}: {name}: invalid pattern {item!r}: {exc}") from None


# top-level sections: serving, the parse command, outgoing webhooks ------------------------------

def port(_: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 65535:
        _fail(attribute, "a port number between 0 and 65535", value)


def http_url(_: Any, attribute: attrs.Attribute, value: Any) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        _fail(attribute, "an http:// or https:// URL", value)


def header_table(_: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, dict) or not all(isinstance(k, str) and k.strip() and isinstance(v, str)
                                              for k, v in value.items()):
        _fail(attribute, "a table of header names and string values", value)


@attrs.frozen
class ServeOptions:
    """``[serve]``: the defaults of ``signalos serve`` (its flags and ``SIGNALOS_SERVE_TOKEN`` win).
    See ``signalos.serve``."""

    host: str = attrs.field(default="127.0.0.1", validator=text)
    port: int = attrs.field(default=8000, validator=port)
    pipeline: str | None = attrs.field(default=None, validator=optional(text))
    # a bearer token every request but /healthz, /readyz and the docs must carry; off when unset
    token: str | None = attrs.field(default=None, validator=optional(text))
    max_body_bytes: int = attrs.field(default=1_048_576, validator=whole(64))
    max_batch: int = attrs.field(default=1000, validator=whole(1))
    workers: int = attrs.field(default=1, validator=whole(1))  # processes, each parsing on its own core
    log: bool = attrs.field(default=True, validator=flag)
    # parsing threads for slow pipelines; 0 parses everything on the event loop
    threads: int = attrs.field(default=8, validator=whole(0))
    # a pipeline whose parses average under this many ms is parsed on the event loop (a thread hop
    # costs more than a rules parse); slower ones (a model) in the threads; 0: always in the threads
    inline_ms: float = attrs.field(default=1.0, converter=as_float, validator=number(0.0))
    preload: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=texts())
    access_log: bool = attrs.field(default=False, validator=flag)
    shutdown_timeout_s: float = attrs.field(default=30.0, converter=as_float, validator=number(0.0))


@attrs.frozen
class ParseCommandOptions:
    """``[parse]``: the defaults of ``signalos parse``: ``log`` every parse to the workspace's
    parse log (as ``--log``), ``route`` each input line through the A/B router by that key of
    the line (as ``--route KEY``)."""

    log: bool = attrs.field(default=False, validator=flag)
    route: str | None = attrs.field(default=None, validator=optional(text))


WEBHOOK_EVENTS = ("signal", "update", "noise", "alert")


@attrs.frozen
class WebhookEndpoint:
    """``[webhooks.endpoints.NAME]``: one URL that receives POSTs (see ``signalos_webhooks``)."""

    url: str = attrs.field(validator=http_url)
    secret: str | None = attrs.field(default=None, validator=optional(text))
    secret_env: str | None = attrs.field(default=None, validator=optional(text))  # the secret's variable
    events: tuple[str, ...] = attrs.field(default=("signal", "update", "alert"), converter=as_tuple,
                                          validator=texts(empty=False))
    accepted_only: bool = attrs.field(default=True, validator=flag)
    providers: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=texts())
    timeout_s: float = attrs.field(default=5.0, converter=as_float, validator=number(above=0.0))
    headers: dict[str, str] = attrs.field(factory=dict, validator=header_table)

    def __attrs_post_init__(self) -> None:
        unknown = [e for e in self.events if e not in WEBHOOK_EVENTS]
        if unknown:
            raise ConfigError(f"events: unknown {', '.join(map(repr, unknown))}; known: {', '.join(WEBHOOK_EVENTS)}")
        if self.secret and self.secret_env:
            raise ConfigError("secret, secret_env: give one of them")


@attrs.frozen
class WebhooksOptions:
    """``[webhooks]``: outgoing webhooks. Each endpoint has its own bounded queue and sender
    thread; a delivery is tried ``max_attempts`` times, waiting ``backoff_s`` doubled after each
    failure (at most ``backoff_max_s``); at exit the queues get ``drain_s`` to empty."""

    queue_size: int = attrs.field(default=1000, validator=whole(1))
    max_attempts: int = attrs.field(default=5, validator=whole(1))
    backoff_s: float = attrs.field(default=0.5, converter=as_float, validator=number(0.0))
    backoff_max_s: float = attrs.field(default=30.0, converter=as_float, validator=number(0.0))
    drain_s: float = attrs.field(default=5.0, converter=as_float, validator=number(0.0))
    endpoints: dict[str, WebhookEndpoint] = attrs.field(factory=dict)

    @classmethod
    def from_table(cls, table: Any, where: str = "webhooks") -> WebhooksOptions:
        if not isinstance(table, dict):
            raise ConfigError(f"[{where}]: expected a table, got {table!r}")
        endpoints = table.get("endpoints", {})
        if not isinstance(endpoints, dict):
            raise ConfigError(f"[{where}.endpoints]: expected a table of named endpoints, got {endpoints!r}")
        checked = {name: from_table(WebhookEndpoint, t, f"{where}.endpoints.{name}") for name, t in endpoints.items()}
        return from_table(cls, {k: v for k, v in table.items() if k != "endpoints"}, where, endpoints=checked)


SECTIONS: dict[str, Callable[[Any, str], Any]] = {
    "serve": lambda table, where: from_table(ServeOptions, table, where),
    "parse": lambda table, where: from_table(ParseCommandOptions, table, where),
    "webhooks": WebhooksOptions.from_table,
}


def check_sections(sections: dict[str, Any]) -> None:
    """Check the top-level tables of ``SECTIONS`` present in a configuration (ConfigError names
    the key), so a typo in ``[serve]`` fails when the host starts, not when the server does."""
    for name, read in SECTIONS.items():
        if name in sections:
            read(sections[name], name)


def section_options(config: Any, name: str) -> Any:
    """The typed options of the section ``[name]`` of a ``Config`` (defaults when it is absent)."""
    return SECTIONS[name](config.section(name), name)
