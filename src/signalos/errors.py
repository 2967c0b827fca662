"""The one exception family of signalos.

Every error a user can cause derives from :class:`SignalosError`; the CLI prints its message on
one line and exits non-zero (a traceback only with ``SIGNALOS_RAISE_ERRORS=1``).
"""


class SignalosError(Exception):
    """Base of every signalos error. Seen by API callers and, as one line, by CLI users."""


class ConfigError(SignalosError):
    """A configuration file or value is wrong. Seen at start-up, before any message is parsed."""


class PluginError(SignalosError):
    """A plugin is broken: a misspelt hook, a duplicate component name, a failing registration.

    Seen at start-up, naming the plugin, so a broken install fails loudly instead of silently
    parsing with fewer parsers.
    """


class UnknownComponentError(SignalosError):
    """A configuration or command names a component nobody registered; the message lists what exists."""


class MissingDependencyError(SignalosError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, package: str, extra: str):
        super().__init__(f"{package} is not installed: pip install 'signalos[{extra}]'")
        self.package = package
        self.extra = extra


class ParserError(SignalosError):
    """A parser component raised while parsing. Recorded in the chain's attempts, never raised to
    callers of ``Host.parse`` unless the pipeline's ``on_error`` is ``"raise"``."""

    def __init__(self, plugin: str, component: str, cause: BaseException):
        super().__init__(f"parser {component!r} (plugin {plugin!r}) failed: {type(cause).__name__}: {cause}")
        self.plugin = plugin
        self.component = component
        self.cause = cause


class InputError(SignalosError):
    """A line of input cannot be read (bad JSON, no ``text``). Seen per line; the rest is processed."""
