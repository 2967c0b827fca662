"""signalos.toml is read through one typed schema (attrs classes with validators): a value of the
wrong type, anywhere, is one ConfigError that names its key, never a default silently used."""
from __future__ import annotations

import re

import pytest

from signalos.config import Config, TopLevel
from signalos.errors import ConfigError
from signalos.options import SECTIONS

WRONG_TYPES = {
    # key at fault: (configuration, the message's key and expectation)
    "default_pipeline": ({"default_pipeline": 3}, r"^default_pipeline: expected a pipeline name, got 3$"),
    "default_pipeline empty": ({"default_pipeline": " "}, r"^default_pipeline: expected a pipeline name"),
    "workspace": ({"workspace": ["a"]}, r"^workspace: expected a directory, got \['a'\]$"),
    "pipelines": ({"pipelines": []}, r"^pipelines: expected a table of named tables, got \[\]$"),
    "pipelines.fast": ({"pipelines": {"fast": "regex"}}, r"^pipelines.fast: expected a table, got 'regex'$"),
    "threshold": ({"pipelines": {"default": {"parsers": ["regex"], "threshold": "high"}}},
                  r"^\[pipelines.default\] threshold: expected a number between 0 and 1, got 'high'$"),
    "quorum": ({"pipelines": {"default": {"parsers": ["regex"], "quorum": 1.5}}},
               r"^\[pipelines.default\] quorum: expected a whole number, at least 1, got 1.5$"),
    "on_error": ({"pipelines": {"default": {"parsers": ["regex"], "on_error": True}}},
                 r"^\[pipelines.default\] on_error: expected one of continue, raise, got True$"),
    "parsers": ({"parsers": [1]}, r"^parsers: expected a table of named tables, got \[1\]$"),
    "parsers.regex": ({"parsers": {"regex": 4}}, r"^parsers.regex: expected a table, got 4$"),
    "providers.acme": ({"providers": {"acme": "fast"}}, r"^providers.acme: expected a table, got 'fast'$"),
    "providers.acme.pipeline": ({"providers": {"acme": {"pipeline": 7}}},
                                r"^\[providers.acme\] pipeline: expected a pipeline name, got 7$"),
    "monitor": ({"monitor": "on"}, r"^monitor: expected a table, got 'on'$"),
    "monitor.thresholds": ({"monitor": {"thresholds": {"success_rate": 0.9}}},
                           r"^\[monitor\] thresholds.success_rate: expected a table, got 0.9$"),
    "monitor.templates": ({"monitor": {"templates": 3}}, r"^\[monitor\] templates: expected a table, got 3$"),
    "monitor.providers.acme.x": ({"monitor": {"providers": {"acme": {"success_rate": 1}}}},
                                 r"^\[monitor.providers.acme\] success_rate: expected a table, got 1$"),
    "serve": ({"serve": 8000}, r"^serve: expected a table, got 8000$"),
    "serve.port": ({"serve": {"port": "8000"}}, r"^\[serve\] port: expected a port number"),
    "webhooks": ({"webhooks": ["http://x"]}, r"^webhooks: expected a table, got \['http://x'\]$"),
}


@pytest.mark.parametrize("case", list(WRONG_TYPES), ids=list(WRONG_TYPES))
def test_a_wrong_type_names_its_key(case):
    data, message = WRONG_TYPES[case]
    with pytest.raises(ConfigError) as info:
        Config.from_dict(data)
    assert re.search(message, str(info.value)), str(info.value)


def test_a_misspelt_value_key_is_unknown_but_an_unknown_table_is_a_plugins_section():
    with pytest.raises(ConfigError, match=r"unknown top-level key 'workspce'"):
        Config.from_dict({"workspce": "ws"})
    cfg = Config.from_dict({"my_plugin": {"colour": "blue"}, "workspace": "ws", "default_pipeline": "default"})
    assert cfg.section("my_plugin") == {"colour": "blue"} and str(cfg.workspace) == "ws"


def test_every_checked_section_has_a_type_at_the_top_level():
    assert set(SECTIONS) <= {f.name for f in TopLevel.__attrs_attrs__}
