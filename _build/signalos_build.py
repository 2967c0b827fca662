"""The build backend: setuptools', plus mypyc for the regex chain's hot modules.

A wheel (``pip install .``) compiles the modules listed in ``setup.py`` with mypyc when it can,
which makes ``Host.parse`` about twice as fast, and ships pure Python when it cannot (no C
compiler, a mypyc failure): the answers are the same either way. ``SIGNALOS_COMPILE=0`` never
compiles, ``SIGNALOS_COMPILE=1`` fails the build instead of falling back.

An editable install (``pip install -e .``) never compiles: a compiled module would shadow its
``.py`` file, and an edit to the source would silently not run.
"""
from __future__ import annotations

import os

from setuptools import build_meta as _setuptools
from setuptools.build_meta import (  # noqa: F401 - the hooks this backend takes over as they are
    build_sdist,
    get_requires_for_build_sdist,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

# What type-checking the compiled modules needs besides setuptools: mypyc, and attrs for the
# result classes they build (mypy reads attrs classes through its attrs plugin).
COMPILE_REQUIRES = ["mypy>=2.0", "attrs>=23.2"]


def _compiling() -> bool:
    return os.environ.get("SIGNALOS_COMPILE", "auto").strip().lower() not in ("0", "no", "false")


def get_requires_for_build_wheel(config_settings=None):
    extra = COMPILE_REQUIRES if _compiling() else []
    return [*_setuptools.get_requires_for_build_wheel(config_settings), *extra]


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def get_requires_for_build_editable(config_settings=None):
    return _setuptools.get_requires_for_build_editable(config_settings)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    os.environ["SIGNALOS_COMPILE"] = "0"
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
