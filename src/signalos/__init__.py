"""signalos: trading-signal messages in, validated structured orders out."""
from signalos.errors import SignalosError
from signalos.models import Action, Message, ParseAttempt, ParseResult

__version__ = "0.1.0"

__all__ = ["Action", "Host", "Message", "ParseAttempt", "ParseResult", "SignalosError", "__version__", "compiled"]


def compiled() -> bool:
    """True when the regex chain's hot modules run compiled by mypyc: a wheel built where a C
    compiler was found (``pip install .``). Editable installs run them as Python. The answers
    are the same either way; compiled, ``Host.parse`` is about twice as fast."""
    from importlib.machinery import ExtensionFileLoader

    import signalos.normalize  # compiled together with the others, or not at all

    return isinstance(signalos.normalize.__loader__, ExtensionFileLoader)


def __getattr__(name):
    # Host is imported lazily so `import signalos` stays cheap for plugin modules.
    if name == "Host":
        from signalos.host import Host

        return Host
    raise AttributeError(name)
