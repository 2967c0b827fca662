"""Compiled modules of the wheel; everything else about the build is in pyproject.toml.

The build backend (``_build/signalos_build.py``) says when this compiles: ``SIGNALOS_COMPILE``
``auto`` (the default: compile when possible, else ship pure Python), ``1`` (must compile) or
``0`` (never; editable installs).
"""
from __future__ import annotations

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

# The regex chain's hot path, typed for mypyc. They compile as one group, so either all of
# them are compiled or none is.
NATIVE_MODULES = [
    "plugins/signalos_regex/tokens.py",
    "plugins/signalos_regex/fields.py",
    "plugins/signalos_regex/patterns.py",
    "plugins/signalos_regex/symbols.py",
    "plugins/signalos_regex/parser.py",
    "plugins/signalos_regex/updates.py",
    "plugins/signalos_regex/coverage.py",
    "plugins/signalos_regex/lexicon.py",
    "src/signalos/normalize.py",
    "src/signalos/validate.py",
    "src/signalos/chain.py",
]
MODE = os.environ.get("SIGNALOS_COMPILE", "auto").strip().lower()
REQUIRED = MODE in ("1", "yes", "true")


def _say(message: str) -> None:
    print(f"signalos build: {message}", file=sys.stderr, flush=True)


class BuildNative(build_ext):
    """build_ext that leaves no half-compiled package: when one module fails to build, every
    compiled module is removed and the wheel ships pure Python."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no C compiler, a compiler error
            if REQUIRED:
                raise
            for path in self.get_outputs():
                if os.path.exists(path):
                    os.remove(path)
            _say(f"compiling failed ({type(exc).__name__}: {exc}); installing pure Python, same answers, slower")


def native_extensions() -> list:
    if MODE in ("0", "no", "false") or not {"bdist_wheel", "build", "build_ext", "install"} & set(sys.argv[1:]):
        return []  # or setuptools is only asking for the metadata and requirements
    try:
        from mypyc.build import mypycify

        os.environ["MYPYPATH"] = os.pathsep.join(["src", "plugins"])
        return mypycify(["--ignore-missing-imports", "--follow-imports=silent", *NATIVE_MODULES],
                        opt_level="3", group_name="signalos._native")
    except BaseException as exc:  # mypy missing or a type error: mypycify exits on the latter
        if REQUIRED:
            raise
        _say(f"not compiling ({type(exc).__name__}: {exc}); installing pure Python, same answers, slower")
        return []


setup(ext_modules=native_extensions(), cmdclass={"build_ext": BuildNative})
