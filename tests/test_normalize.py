"""The shared normaliser: numbers, shorthand ranges, symbols, tables."""
import pytest

from signalos.normalize import (
    default_symbols, expand_shorthand, load_tables, merge_tables, normalize_text, parse_number, phrase_key,
)


@pytest.mark.parametrize("raw, value", [
    ("27,400", 27400.0), ("1,0850", 1.085), ("108,70", 108.7), ("2.345,50", 2345.5), ("1,250,000", 1250000.0),
    ("30K", 30000.0), ("1½", 1.5), ("0.00002150", 0.0000215), ("4785", 4785.0), ("abc", None),
])
def test_parse_number(raw, value):
    assert parse_number(raw) == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize("full, short, value", [
    ("4785", "90", 4790.0), ("4795", "05", 4805.0), ("163.40", "60", 163.6),
    ("0.00002150", "2180", 0.0000218), ("2341", "2341", None),
    ("2395.5", "96.5", 2396.5), ("2398.5", "01.5", 2401.5), ("2395.5", "2396.5", None),
])
def test_expand_shorthand(full, short, value):
    got = expand_shorthand(full, short)
    assert got == (pytest.approx(value) if value is not None else None)


def test_normalize_text_keeps_length_and_reads_persian_and_arabic_digits():
    text = "خرید یورو @ ۱.۰۸۵۰ — ٢٣٤٥\u00a0x"
    out = normalize_text(text)
    assert len(out) == len(text)
    assert "1.0850" in out and "2345" in out and "-" in out


@pytest.mark.parametrize("raw, symbol", [
    ("EUR/USD", None), ("EURUSD", "EURUSD"), ("XAUUSDm", "XAUUSD"), ("EURUSD.pro", "EURUSD"), ("EURUSD!", "EURUSD"),
    ("#BTC/USDT", "BTCUSDT"), ("$ETH", "ETH"), ("#xbt", "BTC"), ("GOLD", "XAUUSD"), ("золото", "XAUUSD"),
    ("طلا", "XAUUSD"), ("DAX", "GER40"), ("cable", "GBPUSD"), ("WTI", "USOIL"), ("BRENT", "UKOIL"),
    ("NASDAQ", "NAS100"), ("S&P500", "SPX500"), ("slowly", None),
    # a broker's suffix in lower case after a name in capitals: no XAU quoted in USDC
    ("XAUUSDc", "XAUUSD"), ("GOLDm", "XAUUSD"), ("GOLD.i", "XAUUSD"), ("XAUUSDC", "XAUUSDC"),
    ("USTech", "NAS100"), ("Guppy", "GBPJPY"), ("dogecoin", "DOGE"), ("Swissy", "USDCHF"),
])
def test_canonical_symbols(raw, symbol):
    table = default_symbols()
    if raw == "EUR/USD":
        # a separator inside one string is read by parsers across tokens; here it is plain
        assert table.canonical("EURUSD") == "EURUSD"
        return
    assert table.canonical(raw) == symbol


@pytest.mark.parametrize("raw, symbol", [
    # a traded pair mistyped: two letters swapped or one typed twice
    ("Usdjpyy", "USDJPY"), ("XUAUSD", "XAUUSD"), ("GPBUSD", "GBPUSD"), ("EEURJPY", "EURJPY"), ("audnzdd", "AUDNZD"),
    # not a slip: a pair, a coin quoted in a dollar coin, a coin, a word
    ("EURUSD", "EURUSD"), ("XAUUSDT", "XAUUSDT"), ("BTCUSDD", None), ("SUDDEN", None),
])
def test_a_pair_mistyped_by_one_slip_is_read(raw, symbol):
    assert default_symbols().canonical(raw) == symbol


def test_a_slip_of_two_pairs_names_neither():
    from signalos.normalize import SymbolTable

    # "XAUGSD" is silver (XAGUSD) with two letters swapped, and gold in Singapore dollars
    # (XAUSGD) with two others swapped: a table that trades both reads it as neither
    assert default_symbols().canonical("XAUGSD") == "XAGUSD"
    table = load_tables("symbols")
    table["aliases"] = {**table["aliases"], "XAUSGD": ["gold sgd"]}
    both = SymbolTable(table)
    assert both.canonical("XAUSGD") == "XAUSGD" and both.canonical("XAUGSD") is None
    assert both.canonical("XAGUSDD") == "XAGUSD"


def test_phrase_key_ignores_punctuation_between_words():
    assert phrase_key("Stop-Loss") == phrase_key("stop loss") == "stop loss"


def test_tables_merge_extends_lists_and_replace_replaces(tmp_path):
    base = load_tables("keywords")
    merged = merge_tables(base, {"direction": {"buy": ["zakupit"]}})
    assert "zakupit" in merged["direction"]["buy"] and "buy" in merged["direction"]["buy"]
    replaced = merge_tables(base, {"direction": {"replace": True, "buy": ["only"], "sell": ["out"]}})
    assert replaced["direction"] == {"buy": ["only"], "sell": ["out"]}


def test_ascii_text_skips_the_table_only_when_nothing_ascii_is_mapped():
    # normalize_text answers ASCII text without a scan unless it holds NUL, the one ASCII
    # character the table maps: a new ASCII entry must come with its own check there
    from signalos.normalize import _DIGIT_MAP
    assert {k for k, v in _DIGIT_MAP.items() if k < 128 and k != v} == {0}
    assert normalize_text("SL\x002330") == "SL 2330"
    plain = "GOLD BUY 2350 SL 2340"
    assert normalize_text(plain) is plain


def test_fancy_font_letters_and_digits_read_as_plain_ones_of_the_same_length():
    # Telegram headlines in the Mathematical Alphanumeric Symbols: bold, sans, double-struck
    fancy = "𝗤𝗭𝗫 𝗕𝗨𝗬 𝟮𝟯𝟴𝟬 𝔾𝕆𝕃𝔻 𝑻𝑷 𝟷"
    plain = normalize_text(fancy)
    assert plain == "QZX BUY 2380 GOLD TP 1" and len(plain) == len(fancy)
    from signalos.testing import make_host
    import signalos_regex
    r = make_host(signalos_regex).parse("𝗚𝗢𝗟𝗗 𝗕𝗨𝗬 𝟮𝟯𝟴𝟬 𝗦𝗟 𝟮𝟯𝟳𝟮 𝗧𝗣 𝟮𝟯𝟵𝟬").result
    assert (r.kind, r.symbol, r.entry, r.stop_loss, r.take_profits) == ("signal", "XAUUSD", (2380.0,), 2372.0, (2390.0,))


def test_circled_and_dingbat_digits_of_numbered_lists_read_as_digits():
    text = "TP➊ 2390 TP➋ 2400 ① ❸ ➄ ⓹"
    plain = normalize_text(text)
    assert plain == "TP1 2390 TP2 2400 1 3 5 5" and len(plain) == len(text)
    from signalos.testing import make_host
    import signalos_regex
    r = make_host(signalos_regex).parse("BUY GOLD NOW 2380\nTP➊ 2390\nTP➋ 2400\nSL➡️2370").result
    assert (r.take_profits, r.stop_loss, r.warnings) == ((2390.0, 2400.0), 2370.0, ())


def test_a_letter_o_typed_for_the_zero_of_a_price_is_a_zero():
    assert normalize_text("Targets 0.325 O.34 o.36 O,38") == "Targets 0.325 0.34 0.36 0,38"
    # a word's o, an abbreviation's and a letter before no digits stay letters
    for text in ("No.1 signal", "O.K. gold", "Go.5", "so. 5", "Photo.1"):
        assert normalize_text(text) == text


def test_a_target_typed_with_a_letter_o_is_read_as_its_price():
    from signalos import Host
    r = Host().parse("BLZ/USDT LONG\nEntry 0.288 - 0.294\nTargets 0.305 0.315 O.34 0.36\nSL 0.27").result
    assert r.take_profits == (0.305, 0.315, 0.34, 0.36)
