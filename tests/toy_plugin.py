"""A plugin with a toy parser of a fixed, trivial format, so tests of the host, the chain and the
CLI do not depend on what the regex parser reads. Importable by name, so a subprocess can load it
with ``SIGNALOS_LOAD_PLUGINS=toy_plugin`` and ``PYTHONPATH=tests``."""
from __future__ import annotations

from signalos.hookspecs import hookimpl
from signalos.models import Action, ParseResult


def toy_parse(message):
    """``SIG EURUSD buy 1.0850 sl 1.0820 tp 1.0880 1.0910`` -> a signal; ``UPD EURUSD close`` ->
    an update; anything else -> None ("not mine")."""
    words = message.text.split()
    if len(words) >= 5 and words[0] == "SIG" and "sl" in words and "tp" in words:
        sl_at, tp_at = words.index("sl"), words.index("tp")
        return ParseResult(
            kind="signal", symbol=words[1], direction=words[2],
            entry=[float(w) for w in words[3:sl_at]], stop_loss=float(words[sl_at + 1]),
            take_profits=[float(w) for w in words[tp_at + 1:]], confidence=0.9,
        )
    if len(words) == 3 and words[0] == "UPD":
        return ParseResult(kind="update", symbol=words[1], actions=[Action(words[2])], confidence=0.9)
    return None


class ToyParser:
    def __init__(self, host, options):
        self.options = options

    def parse(self, message):
        return toy_parse(message)


@hookimpl
def register_parsers(register, host):
    register("toy", ToyParser)
