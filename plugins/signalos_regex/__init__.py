"""The built-in multilingual regex parser, component ``regex``."""
from __future__ import annotations

from signalos.hookspecs import hookimpl


@hookimpl(trylast=True)
def register_parsers(register, host):
    from signalos_regex.parser import RegexParser

    register("regex", RegexParser)
