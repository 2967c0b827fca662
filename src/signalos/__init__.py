"""signalos: trading-signal messages in, validated structured orders out."""
from signalos.errors import SignalosError
from signalos.models import Action, Message, ParseAttempt, ParseResult

__version__ = "0.1.0"

__all__ = ["Action", "Host", "Message", "ParseAttempt", "ParseResult", "SignalosError", "__version__"]


def __getattr__(name):
    # Host is imported lazily so `import signalos` stays cheap for plugin modules.
    if name == "Host":
        from signalos.host import Host

        return Host
    raise AttributeError(name)
