"""The plugin machinery: loading, checking, registries and every hook."""
from __future__ import annotations

import textwrap

import pytest
import typer

import signalos_regex
from signalos.errors import PluginError, UnknownComponentError
from signalos.hookspecs import hookimpl
from signalos.host import Host
from signalos.models import ParseResult
from signalos.testing import make_host, parser_plugin, run_cli


class Named:
    """Base of the test plugins below: the plugin manager names a plugin object by ``name``."""

    name = "unnamed"


def noise_parser(message):
    return ParseResult.noise(confidence=0.9)


# registries ---------------------------------------------------------------------------------------

def test_duplicate_parser_name_names_both_plugins():
    first = parser_plugin("same", noise_parser, plugin_name="plugin-one")
    second = parser_plugin("same", noise_parser, plugin_name="plugin-two")
    with pytest.raises(PluginError) as info:
        make_host(first, second)
    message = str(info.value)
    assert "'same'" in message and "plugin-one" in message and "plugin-two" in message


def test_unknown_parser_lists_available():
    host = make_host(parser_plugin("alpha", noise_parser), parser_plugin("beta", noise_parser))
    with pytest.raises(UnknownComponentError, match=r"unknown parser 'gamma'; available: alpha, beta"):
        host.parsers.get("gamma")
    with pytest.raises(UnknownComponentError, match="available: alpha, beta"):
        host.use_pipeline("adhoc", ["alpha", "gamma"])


def test_invalid_component_name_is_a_plugin_error():
    with pytest.raises(PluginError, match="invalid name"):
        make_host(parser_plugin("", noise_parser, plugin_name="empty-name"))


def test_plugin_failing_during_registration_is_named():
    class Broken(Named):
        name = "broken-plugin"

        @hookimpl
        def register_parsers(self, register, host):
            raise RuntimeError("cannot read my tables")

    with pytest.raises(PluginError, match=r"'broken-plugin' failed in register_parsers: RuntimeError: cannot read"):
        make_host(Broken())


def test_misspelt_hookimpl_fails_at_start_naming_the_plugin():
    class Misspelt(Named):
        name = "typo-plugin"

        @hookimpl
        def register_parser(self, register, host):  # the hook is register_parsers
            register("never", None)

    with pytest.raises(PluginError) as info:
        make_host(Misspelt())
    assert "typo-plugin" in str(info.value)
    assert "register_parser" in str(info.value)


def test_two_hosts_do_not_share_plugins():
    one = make_host(parser_plugin("one", noise_parser))
    two = make_host(parser_plugin("two", noise_parser))
    assert one.parsers.names() == ["one"]
    assert two.parsers.names() == ["two"]
    assert one.pm is not two.pm


# loading from the environment -------------------------------------------------------------------

@pytest.fixture
def env_plugin_module(tmp_path, monkeypatch):
    """An importable module ``env_plugin_mod`` registering the parser ``from-env``."""
    (tmp_path / "env_plugin_mod.py").write_text(textwrap.dedent("""
        from signalos.hookspecs import hookimpl
        from signalos.models import ParseResult

        class EnvParser:
            def __init__(self, host, options):
                pass

            def parse(self, message):
                return ParseResult.noise(confidence=0.8)

        @hookimpl
        def register_parsers(register, host):
            register("from-env", EnvParser)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    return "env_plugin_mod"


def test_entrypoints_load_the_builtin_regex_parser():
    host = Host({})
    assert "regex" in host.parsers
    assert host.parsers.get("regex").plugin == "regex"


def test_signalos_load_plugins_replaces_the_entrypoint_scan(monkeypatch, env_plugin_module):
    monkeypatch.setenv("SIGNALOS_LOAD_PLUGINS", env_plugin_module)
    host = Host({})
    assert host.parsers.names() == ["from-env"]

    monkeypatch.setenv("SIGNALOS_LOAD_PLUGINS", f"regex, {env_plugin_module}")
    assert Host({}).parsers.names() == ["from-env", "regex"]


def test_signalos_load_plugins_unknown_name_fails(monkeypatch):
    monkeypatch.setenv("SIGNALOS_LOAD_PLUGINS", "no_such_signalos_plugin")
    with pytest.raises(PluginError, match="no_such_signalos_plugin"):
        Host({})


def test_signalos_disabled_plugins_blocks_entrypoints_and_objects(monkeypatch):
    # every installed plugin that registers parsers is blocked (the learned ones too), and one object
    monkeypatch.setenv("SIGNALOS_DISABLED_PLUGINS", "regex,spacy,transformers,test-blocked")
    host = Host({}, plugins=[parser_plugin("blocked", noise_parser), parser_plugin("kept", noise_parser)])
    assert host.parsers.names() == ["kept"]


# every registration hook ---------------------------------------------------------------------------

class Component:
    def __init__(self, host, options):
        self.host = host
        self.options = options


class EveryKind(Named):
    name = "every-kind"

    @hookimpl
    def register_parsers(self, register, host):
        register("p-one", Component)

    @hookimpl
    def register_augmenters(self, register, host):
        register("a-one", Component)

    @hookimpl
    def register_evaluators(self, register, host):
        register("e-one", Component)

    @hookimpl
    def register_routers(self, register, host):
        register("r-one", Component)

    @hookimpl
    def register_deployers(self, register, host):
        register("d-one", Component)


@pytest.mark.parametrize("kind, name", [
    ("parsers", "p-one"), ("augmenters", "a-one"), ("evaluators", "e-one"),
    ("routers", "r-one"), ("deployers", "d-one"),
])
def test_every_register_hook_fills_its_registry(kind, name):
    config = {kind: {name: {"level": 3}}}
    host = make_host(EveryKind(), config=config)
    assert host.registries[kind].names() == [name]
    assert host.registries[kind].get(name).plugin == "every-kind"
    component = host.component(kind, name)
    assert component.options == {"level": 3}
    assert component.host is host
    assert host.component(kind, name) is component  # built once


def test_registry_properties_match_registries():
    host = make_host(EveryKind())
    assert host.parsers.names() == ["p-one"]
    assert host.augmenters.names() == ["a-one"]
    assert host.evaluators.names() == ["e-one"]
    assert host.routers.names() == ["r-one"]
    assert host.deployers.names() == ["d-one"]


def test_plugins_info_lists_hooks_and_components():
    info = make_host(EveryKind(), signalos_regex).plugins_info()
    by_name = {p["name"]: p for p in info}
    assert by_name["every-kind"]["components"] == {
        "parsers": ["p-one"], "augmenters": ["a-one"], "evaluators": ["e-one"],
        "routers": ["r-one"], "deployers": ["d-one"],
    }
    assert "register_deployers" in by_name["every-kind"]["hooks"]
    assert by_name["signalos_regex"]["components"] == {"parsers": ["regex"]}  # a module is named by __name__


# register_commands ------------------------------------------------------------------------------------

class HelloCommand(Named):
    name = "hello-plugin"

    @hookimpl
    def register_commands(self, app, host):
        @app.command()
        def hello(who: str = typer.Argument("world")):
            """Say hello, and how many parsers the host has."""
            typer.echo(f"hello {who} from a host with {len(host.parsers)} parser(s)")


def test_register_commands_adds_a_command():
    result = run_cli(["hello", "trader"], HelloCommand(), parser_plugin("toy", noise_parser))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "hello trader from a host with 1 parser(s)"
    assert "hello" in run_cli(["--help"], HelloCommand()).stdout


# parse_completed ---------------------------------------------------------------------------------------

def test_parse_completed_is_called_and_its_errors_recorded():
    seen = []

    class Recorder(Named):
        name = "recorder"

        @hookimpl
        def parse_completed(self, message, result, host):
            seen.append((message.text, message.provider, result.kind, result.parser))

    class Failing(Named):
        name = "failing-listener"

        @hookimpl
        def parse_completed(self, message, result, host):
            raise ValueError("disk full")

    host = make_host(Recorder(), Failing(), parser_plugin("toy", noise_parser))
    outcome = host.parse("hello", pipeline=host.use_pipeline("p", ["toy"]).pipeline.name)
    assert outcome.result.kind == "noise"
    assert seen == [("hello", None, "noise", "toy")]
    assert len(host.errors) == 1
    error = host.errors[0]
    assert (error.component, error.plugin) == ("parse_completed", "failing-listener")
    assert error.error == "ValueError: disk full"
    assert "disk full" in error.traceback


def test_a_plugin_failing_in_register_commands_does_not_hide_the_cli(capsys):
    class BrokenCommands(Named):
        name = "broken-commands"

        @hookimpl
        def register_commands(self, app, host):
            raise RuntimeError("no typer for me")

    result = run_cli(["--help"], BrokenCommands(), HelloCommand())
    assert result.exit_code == 0
    assert "hello" in result.stdout and "parse" in result.stdout
    # The app is built before CliRunner captures anything, so the warning is on the real stderr.
    warning = "warning: plugin 'broken-commands' failed in register_commands: RuntimeError: no typer for me"
    assert warning in capsys.readouterr().err
