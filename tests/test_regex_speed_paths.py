"""The regex parser's shortcuts give the answers of the long way round.

The pattern sets skip patterns whose needed strings a text lacks, and run the built-in ones without
a timeout; the tokenizer and the number reader take fast paths for common shapes. Each shortcut is
checked here against the plain computation it replaces.
"""
from __future__ import annotations

import importlib.util
import inspect
import json
import random
import re
from pathlib import Path

import attrs
import pytest

from signalos.models import Action, ParseResult
from signalos.normalize import _DIGIT_MAP, normalize_text, parse_number
from signalos_regex.lexicon import build_lexicon, builtin_patterns
from signalos_regex.patterns import PatternSet, required_strings, words_of
from signalos_regex import symbols as symbols_module
from signalos_regex import tokens as tokens_module
from signalos_regex.parser import RegexParser
from signalos_regex.tokens import tokenize

ROOT = Path(__file__).resolve().parent.parent


def _load_messages():
    spec = importlib.util.spec_from_file_location("signalos_bench_messages", ROOT / "benchmarks" / "messages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _texts() -> list[str]:
    messages = _load_messages()
    texts = [json.loads(line)["text"] for line in (ROOT / "examples" / "data" / "messages.jsonl").open(encoding="utf-8")]
    texts += messages.synthetic_messages(2000, seed=11)
    texts += [t for _, t in messages.hostile_cases() if len(t) < 20_000]
    texts += ["Move SL to b/e now", "TP1 hit ✅", "t.me/x join", "Close 50% now", "0% risk trade", "is it over?",
              "закрылись в б/у", "стоп в бу", "xterm long-term: 5", "T1: 2360", "done ✔ tp2 2360"]
    return [normalize_text(t[:4096]) for t in texts]


@pytest.mark.parametrize("source, clause", [
    (r"\b(?:sl|stop)\s+to\s+be\b", {"sl", "stop"}),
    (r"\b(?:sl|stop)\s+to\s+be\b", {"to"}),
    (r"\bclos(?:e|ing)\s+half", {"close", "closing"}),
    (r"\bexit!+", {"exit"}),
    (r"(?:hit|✅)", {"hit", "✅"}),
])
def test_required_strings_reads_what_every_match_contains(source, clause):
    assert frozenset(clause) in required_strings(source)


@pytest.mark.parametrize("source", [r"(?i)stop", r"\w+\s*$", r"\p{L}+ stop", r"(?:stop)?\d", r"(?:stop){e<=1}",
                                    r"[[:alpha:]]+stop"])
def test_required_strings_says_nothing_when_it_cannot_know(source):
    # inline flags, no literal at all, syntax only the regex module reads (or reads otherwise),
    # an optional literal
    assert required_strings(source) == []


def _pattern_cases():
    """(text, its lower case, a pattern set) for every test text whose lower case keeps its length
    and every built-in pattern set."""
    lex = build_lexicon()
    for text in _texts():
        lowered = text.lower()
        if len(lowered) == len(text):
            for patterns in (lex.updates, lex.noise, lex.word_patterns):
                yield text, lowered, patterns


def test_skipped_patterns_would_not_have_matched():
    for text, lowered, patterns in _pattern_cases():
        kept = set(patterns.candidates(lowered))
        for i in patterns.candidates(lowered, check_needs=False):
            if i not in kept:
                assert patterns.compiled(i).search(lowered) is None, (patterns.sources[i], text)


def test_a_small_index_searched_in_the_text_chooses_like_the_words():
    lex = build_lexicon()
    small = lex.word_patterns
    assert small._few_keys is not None
    every_word = PatternSet([(c, v, p) for c, v, p in lex.patterns], vetted=builtin_patterns())
    every_word._few_keys = None
    for text in _texts() + ["Long-term: 1.2", "mid term: 5", "T1: 2360", "terminal 5"]:
        lowered = text.lower()
        assert small.candidates(lowered) == every_word.candidates(lowered), text


def test_built_in_patterns_are_vetted_and_a_users_are_not(tmp_path):
    extra = tmp_path / "kw.toml"
    extra.write_text('[updates]\nclose = ["re:\\\\bshut\\\\s+it\\\\b"]\n', encoding="utf-8")
    lex = build_lexicon([extra])
    vetted = {source: entry[4] for source, entry in zip(lex.updates.sources, lex.updates.entries)}
    assert vetted[r"\bshut\s+it\b"] is False  # a user's pattern keeps its timeout
    assert all(v for p, v in vetted.items() if p != r"\bshut\s+it\b")
    assert all(p.startswith("re:") for p in builtin_patterns())


def test_built_in_patterns_are_compiled_on_first_use_and_a_users_at_load(tmp_path):
    extra = tmp_path / "kw.toml"
    extra.write_text('[updates]\nclose = ["re:\\\\bshut\\\\s+it\\\\b"]\n', encoding="utf-8")
    lex = build_lexicon([extra])
    updates = lex.updates
    compiled = {source: entry[2] is not None for source, entry in zip(updates.sources, updates.entries)}
    assert compiled.pop(r"\bshut\s+it\b") is True  # a user's pattern: its mistakes show when the file loads
    assert not any(compiled.values())  # start-up compiles none of the built-in ones
    plan = updates.candidates("sl moved to entry")
    assert plan and [m.group() for _, _, m in updates.matches("sl moved to entry", "sl moved to entry")]
    assert all(updates.entries[i][2] is not None for i in plan)  # those that ran are compiled, and kept
    assert sum(entry[2] is not None for entry in updates.entries) < len(updates.entries) // 4
    bad = tmp_path / "bad.toml"
    bad.write_text('[updates]\nclose = ["re:(unclosed"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"'re:\(unclosed' \(for 'close'\) is not a valid regular expression"):
        build_lexicon([bad])


def test_only_vetted_patterns_are_skipped_for_missing_strings():
    users = PatternSet([("x", "y", r"re:\bstop\s+now")])
    vetted = PatternSet([("x", "y", r"re:\bstop\s+now")], vetted={r"re:\bstop\s+now"})
    assert users.candidates("stop later") == (0,)  # "stop" starts a word: the index runs it
    assert vetted.candidates("stop later") == ()  # ...but "now" is missing
    assert [m.group() for _, _, m in users.matches("please stop now", "please stop now", timeout=1.0)] == ["stop now"]
    assert [m.group() for _, _, m in vetted.matches("please stop now", "please stop now")] == ["stop now"]


def test_matches_keep_leftmost_then_earliest_pattern_order():
    patterns = PatternSet([("a", "first", "re:close all"), ("b", "second", "re:close"), ("c", "third", "re:all now")],
                          vetted={"re:close all", "re:close", "re:all now"})
    found = [(value, m.start(), m.end()) for _, value, m in patterns.matches("close all now", "close all now")]
    assert found == [("first", 0, 9)]


# the tokenizer ----------------------------------------------------------------------------------

# the tokenizer's pattern before its fast path: one match object per token, kind by group
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0903\u093a-\u094f\u0962\u0963"
_ONE_MATCH_PER_TOKEN = re.compile(
    r"(\d+(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:[.,]\d+)?½?|½)"
    rf"|((?:[^\W\d_]|[{_MARKS}])+(?:['’&](?:[^\W\d_]|[{_MARKS}])+)*)|(\n)|(\S)"
)


def test_tokenizer_splits_like_one_match_per_token():
    kinds = (None, "num", "word", "nl", "p")
    rng = random.Random(4)
    alphabet = list("0123456789,.½ a'’&\u0301\u093d\u0903\n-_٣bX✅") + [chr(rng.randrange(0x0e00)) for _ in range(40)]
    texts = _texts() + ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 30))) for _ in range(3000)]
    for text in texts:
        if "/" in text or "www." in text or any("\u0e00" <= c <= "\u0e7f" or "\u2e80" <= c <= "\u9fff"
                                                or "\uac00" <= c <= "\ud7af" for c in text):
            continue  # links and spaceless scripts are handled after the split
        expected = [(kinds[m.lastindex], m.group(), m.start(), m.end()) for m in _ONE_MATCH_PER_TOKEN.finditer(text)]
        assert [(t.kind, t.text, t.start, t.end) for t in tokenize(text)] == expected, text


def _whole_text_tokens(text: str) -> list[tuple[str, str, int, int, bool]]:
    """The tokenizer before it split the text into runs of non-space characters: one ``findall``
    over the whole text, each token found from the end of the one before."""
    masked = [m.span() for m in tokens_module.TIMESTAMP.finditer(text)] if tokens_module.TIMESTAMP_HINT.search(text) else []
    urls = [m.span() for m in tokens_module.URL.finditer(text)] if ("/" in text or "www." in text) else []
    cjk = tokens_module._CJK.search(text) is not None
    out, end = [], 0
    for word in tokens_module.TOKEN.findall(text):
        start = text.find(word, end)
        end = start + len(word)
        kind = tokens_module._kind(word[0])
        if urls and any(a <= start < b for a, b in urls):
            continue
        if cjk and kind == "word" and tokens_module._CJK.search(word):
            # a character of a spaceless script is a token; a run of other letters glued to one stays whole
            for piece in re.finditer(f"{tokens_module._CJK.pattern}|(?:(?!{tokens_module._CJK.pattern}).)+", word):
                out.append(("word", piece.group(), start + piece.start(), start + piece.end(), False))
            continue
        out.append((kind, word, start, end, bool(masked and kind == "num" and any(a <= start < b for a, b in masked))))
    return out


def test_tokenizer_reads_runs_like_the_whole_text():
    rng = random.Random(5)
    alphabet = list("0123456789,.½ a'’&\u0301\u093d\u0903\n\t\r\x0b\x0c\x1c\x85\u2028\u3000-_٣bX✅/:wt.me@#²中한ไ") \
        + [chr(rng.randrange(0x3000)) for _ in range(40)]
    texts = _texts() + ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40))) for _ in range(5000)]
    texts += ["".join(rng.choice("0123456789:./- \nTZ+%,p") for _ in range(rng.randrange(1, 40))) for _ in range(5000)]
    texts += ["see https://x.com/a 1.5 www.foo.bar\n2024-01-02 12:30 t.me/abc 中文字 4785-90 1,250.5 ½ 1½ 2350. .5 1.2.3"]
    for text in texts:
        expected = _whole_text_tokens(text)
        for _ in range(2):  # the second time from the remembered runs
            assert [(t.kind, t.text, t.start, t.end, t.skip) for t in tokenize(text)] == expected, text


# results built without their converters ----------------------------------------------------------

def test_converted_results_set_every_field_in_order():
    names = [a.name for a in attrs.fields(ParseResult)]
    assert list(inspect.signature(ParseResult._converted).parameters) == names
    values = ["signal", "XAUUSD", "buy", "limit", (2340.0, 2350.0), 2330.0, (2360.0, 2370.0), 10.0, None, (), (),
              "regex", 0.9, {"entry": ((0, 4),)}, ("w",), True]
    built = ParseResult._converted(*values)
    assert [getattr(built, n) for n in names] == values
    assert built == ParseResult(**dict(zip(names, values))) and repr(built) == repr(ParseResult(**dict(zip(names, values))))


def test_the_regex_parsers_results_are_what_the_converters_would_build():
    parser = RegexParser()
    for text in _texts():
        result = parser.parse(text)
        again = ParseResult(**{a.name: getattr(result, a.name) for a in attrs.fields(ParseResult)})
        assert repr(result) == repr(again) and result.spans == again.spans, text
        assert all(type(v) is float for v in (*result.entry, *result.take_profits, *result.take_profit_pips)), text
        assert all(type(v) is float for v in (result.stop_loss, result.leverage, result.stop_loss_pips) if v is not None)
        for action in result.actions:
            assert repr(action) == repr(Action(action.type, action.price, action.percent, action.tp)), text
            assert all(type(v) is float for v in (action.price, action.percent) if v is not None), text


def test_converted_actions_set_every_field_in_order():
    names = [a.name for a in attrs.fields(Action)]
    assert list(inspect.signature(Action._converted).parameters) == names
    built = Action._converted("close_partial", 2350.5, 50.0, 2)
    assert built == Action("close_partial", 2350.5, 50.0, 2) and repr(built) == repr(Action("close_partial", 2350.5, 50.0, 2))


def test_a_remembered_set_of_words_chooses_like_the_words_themselves():
    for text, lowered, patterns in _pattern_cases():
        plain = patterns.candidates(lowered, words=set(words_of(lowered)))  # a set is never remembered
        assert patterns.candidates(lowered) == plain, text
        assert patterns.candidates(lowered, words=words_of(lowered)) == plain, text
        assert patterns.candidates(lowered, words=words_of(lowered)) == plain, text  # from the cache


# numbers and normalisation ----------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["2350", "1.0850", ".5", "5.", "0", "0.0", "9" * 24, "9" * 25, "1" * 23 + ".5",
                                 "1.2.3", "1,0850", "27,400", "30K", "1½", "٣", "²", "$5"])
def test_parse_number_fast_path_agrees_with_the_general_reading(raw):
    general = parse_number(" " + raw)  # a leading space takes the general path
    assert parse_number(raw) == general
    assert type(parse_number(raw)) is type(general)


def test_normalize_text_skips_only_text_with_nothing_to_map():
    for ch in map(chr, _DIGIT_MAP):
        text = f"BUY {ch} 2350"
        assert normalize_text(text) == text.translate(_DIGIT_MAP)
    plain = "GOLD BUY 2350 ✅ Стоп"
    assert normalize_text(plain) is plain


def test_words_of_ascii_text_are_the_letter_runs_re_finds():
    # words_of splits ASCII text with str.translate and str.split instead of _PLAIN_WORDS.findall
    every_ascii = "".join(map(chr, range(128)))
    texts = [t.lower() for t in _texts() if t.isascii()] + [every_ascii, every_ascii.upper(), "", "  ", "a_b-c'd1e"]
    for text in texts:
        assert words_of(text) == frozenset(re.findall(r"[^\W\d_]+", text)), text


def test_matches_read_from_the_first_match_on_as_from_the_start():
    # PatternSet.matches runs finditer from the first match a search found (pos, not a slice):
    # the same matches as finditer over the whole text, lookbehinds and \b included
    lex = build_lexicon()
    for text in _texts()[:600]:
        lowered = text.lower()
        if len(lowered) != len(text):
            continue
        for patterns in (lex.updates, lex.noise):
            for i in patterns.candidates(lowered):
                pattern = patterns.compiled(i)
                first = pattern.search(lowered)
                if first is not None:
                    whole = [m.span() for m in pattern.finditer(lowered)]
                    assert [m.span() for m in pattern.finditer(lowered, first.start())] == whole
    every = PatternSet([("x", "a", r"re:(?<=b)a|\ba"), ("x", "b", r"re:(?m)^c")], vetted={r"re:(?<=b)a|\ba", r"re:(?m)^c"})
    found = [(value, m.span()) for _, value, m in every.matches("xa ba a\nc c", "xa ba a\nc c")]
    assert found == [("a", (4, 5)), ("a", (6, 7)), ("b", (8, 9))]


def test_required_strings_hold_for_every_regex_match():
    # required_strings reads a pattern with the standard library's private parser (re._parser);
    # the patterns run on the regex module: every match regex finds must hold one string of each
    # clause, for every built-in pattern on every test text (where a clause is wrong, a pattern
    # would be skipped on a text it matches and an answer would change)
    lex = build_lexicon()
    lowered_texts = [t.lower() for t in _texts()[:400]]
    checked = 0
    for patterns in (lex.updates, lex.noise, lex.word_patterns):
        # each pattern on the texts its index chooses it for (needs not checked): where it can match
        chosen = [(lowered, patterns.candidates(lowered, check_needs=False)) for lowered in lowered_texts]
        for i, source in enumerate(patterns.sources):
            clauses = required_strings(source)
            if not clauses:
                continue
            pattern = patterns.compiled(i)
            for lowered, plan in chosen:
                if i not in plan:
                    continue
                for m in pattern.finditer(lowered):
                    checked += 1
                    for clause in clauses:
                        assert any(s in m.group() or s in lowered for s in clause), (source, clause, m.group())
    assert checked > 100  # the test texts reach the patterns


def test_without_the_private_parser_no_pattern_is_skipped_and_answers_stay(monkeypatch):
    import signalos_regex.patterns as patterns_module

    texts = _texts()
    parser = RegexParser()
    before = [parser.parse(t).to_dict() for t in texts]
    monkeypatch.setattr(patterns_module, "sre_parse", None)
    assert required_strings(r"\b(?:sl|stop)\s+to\s+be\b") == []
    parser = RegexParser()
    assert [parser.parse(t).to_dict() for t in texts] == before


# names glued to digits: looked for only where the tokenizer saw one ---------------------------------

def _glued_in_tokens(toks) -> bool:
    """What the symbol finder would look at, read from the tokens themselves."""
    for i, tok in enumerate(toks[:-1]):
        nxt = toks[i + 1]
        if nxt.start != tok.end:
            continue
        if tok.kind == "num" and nxt.kind == "word":
            return True
        if tok.text in ("#", "$") and (nxt.kind == "num" or nxt.kind == "word" and i + 2 < len(toks)
                                        and toks[i + 2].kind == "num" and toks[i + 2].start == nxt.end):
            return True
    return False


def test_the_glued_name_flag_is_set_wherever_the_tokens_glue_one():
    rng = random.Random(6)
    alphabet = list("0123456789 #$aBX.,:/-\n✅中") + ["PEPE", "USDT", "1000", "LUNA", "2"]
    texts = _texts() + ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 20))) for _ in range(5000)]
    texts += ["#1000SATS long", "$LUNA2 buy", "1000PEPEUSDT", "C98/USDT", "#XAUUSD buy 2345", "TP1 2350", "1.5x"]
    flagged = 0
    for text in texts:
        toks, glued = tokens_module.tokenize_marking_glued(text)
        expected = _glued_in_tokens(toks)
        assert glued or not expected, text
        if not ("/" in text or "www." in text or tokens_module._CJK.search(text)):
            assert glued == expected, text  # links and spaceless scripts drop or split tokens later
        flagged += glued
    assert 0 < flagged < len(texts)


def test_symbols_found_with_the_flag_are_those_found_looking_everywhere():
    from signalos_regex.symbols import SymbolFinder
    from signalos_regex.tokens import mark_keywords

    lex = build_lexicon()
    texts = _texts() + ["#1000SATS long 0.0003", "$LUNA2 buy 1.2", "1000PEPEUSDT long", "Buy C98/USDT 0.3",
                        "NASDAQ:QQQ buy 430", "#XAUUSD buy 2345"]
    for text in texts:
        lowered = text.lower()
        toks, glued = tokens_module.tokenize_marking_glued(text)
        quick = SymbolFinder(mark_keywords(toks, lex, text, lowered), lex, glued).scan()
        toks, _ = tokens_module.tokenize_marking_glued(text)
        everywhere = SymbolFinder(mark_keywords(toks, lex, text, lowered), lex, True).scan()
        assert (quick.best, quick.token_ids) == (everywhere.best, everywhere.token_ids), text
    assert quick.best is not None and quick.best[1] == "XAUUSD"


def test_symbol_at_reads_the_next_token_it_is_given_like_the_one_it_finds():
    from signalos_regex.symbols import SymbolFinder
    from signalos_regex.tokens import mark_keywords

    lex = build_lexicon()
    for text in _texts()[:400] + ["EUR USD buy", "BTC / USDT long", "US30 sell", "eth-usdt"]:
        toks = mark_keywords(tokenize(text), lex, text, text.lower())
        finder = SymbolFinder(toks, lex)
        for i, tok in enumerate(toks):
            if tok.kind == "word":
                nxt = toks[i + 1] if i + 1 < len(toks) else symbols_module._END
                assert finder.symbol_at(i, nxt) == finder.symbol_at(i), (text, i)


def test_the_word_index_never_drops_a_pattern_that_matches():
    # the index chooses a pattern by its words as prefixes of the text's words: a pattern that
    # matches a text must be chosen for it (before its needed strings are checked)
    extra = ["RESULT 📊", "signal result", "TP hit", "stop hit", "closed in profit", "Entry zone reached",
             "hit all targets", "Take 30% off the table", "partial close done"]
    for text in _texts()[:600] + extra:
        lowered = text.lower()
        if len(lowered) != len(text):
            continue
        lex = _LEX()
        for patterns in (lex.updates, lex.noise, lex.word_patterns):
            chosen = set(patterns.candidates(lowered, check_needs=False))
            for i in range(len(patterns.sources)):
                if i not in chosen and patterns.compiled(i).search(lowered) is not None:
                    raise AssertionError((patterns.sources[i], text))


def _LEX(cache: list = []):  # noqa: B006 (built once)
    if not cache:
        cache.append(build_lexicon())
    return cache[0]


@pytest.mark.parametrize("source, text", [(r"re:[损損](?=\d)", "黄金 空 2395 损2405"), (r"re:\b[ck]lose\b", "close"),
                                          (r"re:\bsalt[oó]\s+el\s+sl\b", "saltó el sl")])
def test_a_pattern_with_a_character_set_is_chosen_where_it_matches(source, text):
    # a set's letters were read as a word of the pattern ("[损損]" as "损損", "[ck]lose" as "ck" and
    # "lose"): no text holds such a word, and the pattern never ran
    for vetted in (frozenset(), frozenset({source})):
        patterns = PatternSet([("updates", "close", source)], vetted=vetted)
        assert [m.group() for _, _, m in patterns.matches(text, text.lower())], (source, vetted)
