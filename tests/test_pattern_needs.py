"""The regex parser's precomputed pattern needs (plugins/signalos_regex/data/pattern_needs.json).

Building the parser reads what each of its 750 patterns needs in a text from this file instead of
parsing every pattern again (50 ms of every process). The file must hold every
built-in pattern and agree with the analysis; a pattern it lacks is analysed as before.
"""
from __future__ import annotations

import json

from signalos_regex import needs, patterns
from signalos_regex.lexicon import builtin_patterns


def test_the_file_holds_every_built_in_pattern_and_agrees_with_the_analysis():
    # fails after a keyword table's edit: run `python -m signalos_regex.needs`
    assert needs.stale(patterns.known_needs()) == []


def test_the_parser_reads_the_file_from_the_installed_package():
    known = patterns.known_needs()
    sources = {patterns.table_source(p) for p in builtin_patterns()}  # (as PatternSet compiles them)
    assert sources <= set(known)
    some = sorted(sources)[len(sources) // 2]
    assert {frozenset(c) for c in patterns.required_strings(some)} == \
        {frozenset(c) for c in patterns.analyse_required_strings(some)}


def test_building_the_parser_analyses_no_built_in_pattern(monkeypatch):
    from signalos_regex.lexicon import build_lexicon

    analysed = []
    real = patterns.analyse_required_strings
    monkeypatch.setattr(patterns, "analyse_required_strings", lambda source: analysed.append(source) or real(source))
    lexicon = build_lexicon()
    assert lexicon.updates is not None and analysed == []


def test_a_pattern_not_in_the_file_is_analysed(tmp_path):
    source = r"\bzorblax\s+(?:hit|done)\b"
    assert source not in patterns.known_needs()
    assert {frozenset(c) for c in patterns.required_strings(source)} == {frozenset({"zorblax"}), frozenset({"hit", "done"})}


def test_check_reports_a_stale_file(tmp_path, monkeypatch, capsys):
    good = json.loads(needs.PATH.read_text(encoding="utf-8"))
    broken = dict(good["needs"])
    dropped = sorted(broken)[0]
    del broken[dropped]
    path = tmp_path / "pattern_needs.json"
    path.write_text(json.dumps({"version": patterns.NEEDS_VERSION, "needs": broken}), encoding="utf-8")
    monkeypatch.setattr(needs, "PATH", path)
    assert needs.main(["--check"]) == 1
    assert dropped in capsys.readouterr().err


def test_the_clauses_come_in_one_order_whatever_the_hash_seed():
    # only the first clauses of a pattern are registered, so their order must not follow the
    # order of a set of strings, which changes with PYTHONHASHSEED from one process to the next
    import os
    import subprocess
    import sys
    code = ("from signalos_regex.needs import computed; import hashlib, json; "
            "print(hashlib.sha256(json.dumps(computed(), sort_keys=True).encode()).hexdigest())")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(outs) == 1


def test_no_built_in_pattern_starts_a_word_with_an_optional_part_glued_to_its_letters():
    # A pattern is chosen by a text's words through their prefixes; the letters after an optional
    # part glued at a word's start ("\be?stopad", "\b(?:у|по)?держ") are no prefix of the words
    # that hold the part ("estopados", "удерживаем"), so the pattern never ran on them: write both
    # spellings as alternatives instead ("\b(?:estopad|stopad)")
    import regex
    glued = regex.compile(r"\\b(?:\p{L}[?*]|\(\?:[^()]*\p{L}\)[?*])(?=\p{L})")
    offenders = [p for p in builtin_patterns() if glued.search(p)]
    assert offenders == []
