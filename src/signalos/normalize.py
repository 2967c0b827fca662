"""The normaliser shared by every parser: digits, numbers, symbols and trading words.

Text normalisation here never changes a string's length, so character offsets found on the
normalised text are spans of the original message.
"""
from __future__ import annotations

import copy
import functools
import math
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any, Final

import regex

# Persian and Arabic-Indic digits, full-width digits and the Arabic decimal and thousands marks,
# mapped one character to one character so offsets survive.
_DIGIT_MAP: Final[dict[int, int]] = {}
# Arabic-Indic, Persian, Devanagari, Bengali, Thai and full-width digits
for _zero in (0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0xFF10):
    for _i in range(10):
        _DIGIT_MAP[_zero + _i] = ord("0") + _i
# full-width Latin letters and punctuation (CJK input methods): "ＳＬ：２３４０" reads as "SL:2340"
for _code in range(0xFF01, 0xFF5F):
    _DIGIT_MAP.setdefault(_code, _code - 0xFEE0)
# "Fancy font" letters and digits of Telegram headlines, the Mathematical Alphanumeric Symbols
# ("𝗚𝗢𝗟𝗗 𝗕𝗨𝗬 𝟮𝟯𝟴𝟬", "𝔾𝕆𝕃𝔻"): each the plain letter or digit it is drawn from (one code point each)
for _code in range(0x1D400, 0x1D800):
    _plain = unicodedata.normalize("NFKC", chr(_code))
    if len(_plain) == 1 and _plain.isascii() and _plain.isalnum():
        _DIGIT_MAP[_code] = ord(_plain)
# circled and dingbat digits of numbered lists ("TP➊ 2390", "① 2400", "❷"): the digit (1-9; the
# ones of two digits cannot map one character to one)
for _first, _last in ((0x2460, 0x2468), (0x24F5, 0x24FD), (0x2776, 0x277E), (0x2780, 0x2788), (0x278A, 0x2792)):
    for _code in range(_first, _last + 1):
        _DIGIT_MAP[_code] = ord("0") + unicodedata.digit(chr(_code))
_DIGIT_MAP.update({0x066B: ord("."), 0x066C: ord(","), 0x060C: ord(","), 0x2212: ord("-"), 0x2013: ord("-"),
                   0x2014: ord("-"), 0x2010: ord("-"), 0x2011: ord("-"), 0xFF0C: ord(","), 0xFF1A: ord(":"),
                   0x00A0: ord(" "), 0x202F: ord(" "), 0x2009: ord(" "), 0x200B: ord(" "), 0x200C: ord(" "),
                   0x200D: ord(" "), 0x200E: ord(" "), 0x200F: ord(" "), 0xFEFF: ord(" "), 0x0000: ord(" "),
                   0x3000: ord(" "), 0x2019: ord("'"), 0x00BD: ord("½"),
                   0x066A: ord("%"),  # Arabic percent sign
                   0x301C: ord("~"),  # Japanese wave dash of ranges: "2350〜2355"
                   # Turkish capital dotted I: its lower case is two characters ("İPTAL" would not
                   # lower to "iptal", and lower-casing would move every offset after it)
                   0x0130: ord("I")})

# Scripts written without spaces between words (Thai; Chinese, Japanese, Korean and their
# punctuation): the regex parser and phrase keys take one word a character in them.
UNSPACED: Final = "\u0e00-\u0e7f\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
# Combining marks that belong to the word they follow, for the standard library's ``re`` (whose
# \w lacks them): Latin accents, Arabic harakat, Devanagari and Bengali vowel signs, Thai vowels
# and tone marks.
MARKS: Final = ("\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0903\u093a-\u094f"
                "\u0962\u0963\u0981-\u0983\u09bc-\u09d7\u0e31\u0e34-\u0e3a\u0e47-\u0e4e")


# (the fancy-font block as one range: listed one code point each, its thousand entries made the
# scan of every non-ASCII message 17 times slower; its unmapped code points translate to themselves)
_MAPPED: Final = re.compile("[" + "".join(re.escape(chr(k)) for k, v in _DIGIT_MAP.items() if k != v and k < 0x1D400)
                            + "\U0001D400-\U0001D7FF]")


# A letter O typed for the zero of a price below one ("O.34", "o.5"): alone before its point and digits.
_LETTER_ZERO: Final = re.compile(r"(?<![\w.,])[Oo](?=[.,]\d)")


def normalize_text(text: str) -> str:
    """Same-length text with every digit ASCII, dashes ``-``, odd spaces plain spaces, the
    Turkish ``İ`` a plain ``I``, and a letter O typed for a zero before a decimal point a zero."""
    if "O." in text or "o." in text or "O," in text or "o," in text:
        text = _LETTER_ZERO.sub("0", text)
    if text.isascii() and "\x00" not in text:
        return text  # NUL is the only ASCII character mapped, and str.isascii() reads a flag
    if _MAPPED.search(text) is None:
        return text  # most other messages: a scan in C instead of a table lookup per character
    return text.translate(_DIGIT_MAP)


# --- numbers -------------------------------------------------------------------------------------

def parse_number(raw: str) -> float | None:
    """Read one written number: ``27,400`` → 27400, ``1,0850`` → 1.085, ``2.345,50`` → 2345.5,
    ``30K`` → 30000, ``1½`` → 1.5. None when it is not a number."""
    if raw.isascii() and raw.replace(".", "", 1).isdigit():
        # most numbers are plain "2350" or "1.0850": read as written (the general path below
        # gives the same float for them, in several more steps)
        return float(raw) if len(raw) <= 24 else None
    s = raw.strip().replace(" ", "").replace("$", "").replace("\\", "")  # "2380\.50": MarkdownV2's escape
    mult = 1.0
    if s[-1:] in ("k", "K"):
        mult, s = 1000.0, s[:-1]
    half = 0.0
    if s.endswith("½"):
        half, s = 0.5, s[:-1] or "0"
    if not s:
        return None
    has_dot, has_comma = "." in s, "," in s
    if has_dot and has_comma:
        # the last separator is the decimal one
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif has_comma:
        parts = s.split(",")
        if len(parts) > 2 or (len(parts[-1]) == 3 and parts[0] not in ("0", "")):
            s = s.replace(",", "")  # thousands: 27,400 / 1,250,000
        else:
            s = s.replace(",", ".")  # decimal comma: 1,0850 / 108,70
    elif s.count(".") > 1:
        parts = s.split(".")
        if all(len(p) == 3 for p in parts[1:]):
            s = s.replace(".", "")  # 1.250.000
        else:
            return None
    if len(s) > 24:
        return None  # no price is written with more digits than this; it is an id or garbage
    try:
        value = float(s) * mult + half
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def expand_shorthand(full: str, short: str) -> float | None:
    """Expand the second number of a range written in shorthand from the full price before it.

    ``4785-90`` → 4790, ``4795-05`` → 4805, ``163.40-60`` → 163.60,
    ``0.00002150-2180`` → 0.0000218, ``2395.5-96.5`` → 2396.5 (the whole part shortened, its
    decimals written). None when ``short`` is not shorthand of ``full``.
    """
    f_digits = full.replace(",", "").replace(" ", "")
    if "." in short:
        return _expand_whole_part(f_digits, short)
    if len(short) >= len(f_digits.replace(".", "")) or not short.isdigit():
        return None
    digits = f_digits.replace(".", "")
    k = len(short)
    if k > len(digits):
        return None
    new_digits = digits[:-k] + short
    dot = f_digits.find(".")
    new_str = new_digits if dot < 0 else new_digits[:dot] + "." + new_digits[dot:]
    try:
        value = float(new_str)
        base = float(f_digits)
    except ValueError:
        return None
    if short.startswith("0") and value < base:
        # 4795-05: the range crosses the next hundred
        unit = 10 ** k if dot < 0 else 10 ** (k - (len(digits) - dot))
        value += unit
    return value


def _expand_whole_part(full: str, short: str) -> float | None:
    """``2395.5-96.5`` → 2396.5: the last digits of the whole part written, with decimals."""
    s_whole, _, s_frac = short.partition(".")
    f_whole = full.partition(".")[0]
    if not (s_whole.isdigit() and s_frac.isdigit() and f_whole.isdigit()) or len(s_whole) >= len(f_whole):
        return None
    value = float(f_whole[:-len(s_whole)] + s_whole + "." + s_frac)
    if s_whole.startswith("0") and value < float(full):
        value += 10 ** len(s_whole)  # 2398.5-01.5: the range crosses the next hundred
    return value


# --- tables --------------------------------------------------------------------------------------

def _read_toml(path: str | Path | None, package_file: str) -> dict[str, Any]:
    if path is None:
        text = resources.files("signalos.data").joinpath(package_file).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return tomllib.loads(text)


def merge_tables(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Merge a user's table into the built-in one: lists are extended, tables merged, and a key
    ``replace = true`` inside a table replaces it instead."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            if value.get("replace") is True:
                out[key] = {k: v for k, v in value.items() if k != "replace"}
            else:
                out[key] = merge_tables(out[key], value)
        elif isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = list(dict.fromkeys([*out[key], *value]))
        else:
            out[key] = value
    return out


LANGUAGES_DIR: Final = "languages"
# Sections of a language file that belong to the symbols table; all others are keywords.
SYMBOL_SECTIONS: Final = ("aliases", "currency_names")
# The order in which the market writes a forex pair's two currencies: "euro dollar" is EURUSD,
# "dollar yen" USDJPY (``[currency_names]`` of the symbols table and of each language file).
PAIR_ORDER: Final = ("EUR", "GBP", "AUD", "NZD", "USD", "CAD", "CHF", "JPY")


@functools.lru_cache(maxsize=1)
def _language_tables() -> dict[str, dict[str, Any]]:
    """Every language file of the package (``data/languages/<code>.toml``) by its code, parsed once."""
    folder = resources.files("signalos.data").joinpath(LANGUAGES_DIR)
    found: dict[str, dict[str, Any]] = {}
    if not folder.is_dir():
        return found
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            found[entry.name[: -len(".toml")]] = tomllib.loads(entry.read_text(encoding="utf-8"))
    return found


def languages() -> tuple[str, ...]:
    """The codes of the package's language files ("en" is keywords.toml itself, always loaded)."""
    return tuple(_language_tables())


def _wanted(code: str, only: Iterable[str] | None) -> bool:
    if only is None:
        return True
    # "zh" also selects "zh-hant"; "hi" the Latin-script Hindi beside it
    return any(code == want or code.startswith(want + "-") for want in only)


@functools.lru_cache(maxsize=16)
def _builtin(kind: str, only: tuple[str, ...] | None) -> dict[str, Any]:
    table = _read_toml(None, f"{kind}.toml")
    for code, lang in _language_tables().items():
        if not _wanted(code, only):
            continue
        if kind == "symbols":
            part = {k: v for k, v in lang.items() if k in SYMBOL_SECTIONS}
        else:
            part = {k: v for k, v in lang.items() if k not in SYMBOL_SECTIONS}
        table = merge_tables(table, part)
    return table


def load_tables(kind: str, extra_files: Iterable[str | Path] = (),
                languages: Iterable[str] | None = None) -> dict[str, Any]:
    """The built-in ``keywords`` or ``symbols`` table with every language file merged in (its
    ``[aliases]`` into symbols, the rest into keywords), then the user's files in order.

    ``languages`` restricts the language files merged ("es", "zh", ...); None merges them all.
    The result is the caller's own: changing it changes no later answer."""
    only = None if languages is None else tuple(sorted({code.strip().lower() for code in languages}))
    table = copy.deepcopy(_builtin(kind, only))
    for path in extra_files:
        table = merge_tables(table, _read_toml(path, ""))
    return table


_WORD_PART: Final = regex.compile(rf"[{UNSPACED}]|[\p{{L}}\p{{M}}\p{{N}}&']+|[^\s\p{{L}}\p{{M}}\p{{N}}]")
_PUNCT: Final = regex.compile(r"[\p{P}\p{S}]")


def phrase_key(phrase: str) -> str:
    """The lookup key of a phrase: its word parts, lower-cased, joined by one space, with
    punctuation between words dropped ("Stop-Loss" → "stop loss", "b/e" → "b e"). A character
    of a script written without spaces is a part of its own ("止损" → "止 损"), as the regex
    parser's tokenizer splits them, and the text is normalised first (full-width letters)."""
    parts = [p.lower() for p in _WORD_PART.findall(normalize_text(phrase)) if p.isalnum() or "&" in p or "'" in p
             or not _PUNCT.match(p)]
    return " ".join(parts)


# --- symbols -------------------------------------------------------------------------------------

class SymbolTable:
    """Canonical symbols from what channels write (SCHEMA.md, "Canonical symbols")."""

    def __init__(self, table: dict[str, Any]) -> None:
        self.aliases: dict[str, str] = {}
        for canonical, words in table.get("aliases", {}).items():
            self.aliases[phrase_key(canonical)] = canonical
            for w in words:
                self.aliases[phrase_key(w)] = canonical
        # "اليورو دولار", "евро доллар", "dollar yen": a pair named by its currencies' names, the
        # base first as the market writes it; an alias written out above wins
        # (a phrase key of two names is their keys joined by a space: each name's key made once)
        keys = {code: [phrase_key(name) for name in table.get("currency_names", {}).get(code, ())] for code in PAIR_ORDER}
        for k, base in enumerate(PAIR_ORDER):
            for quote in PAIR_ORDER[k + 1:]:
                for base_key in keys[base]:
                    for quote_key in keys[quote]:
                        self.aliases.setdefault(f"{base_key} {quote_key}", base + quote)
        self.currencies: frozenset[str] = frozenset(table.get("currencies", {}).get("codes", []))
        # a country's two letters (its flag emoji's) -> its currency
        self.flag_currencies: dict[str, str] = {str(k).upper(): str(v).upper() for k, v in table.get("flags", {}).items()}
        crypto = table.get("crypto", {})
        # longest first so BUSD wins over USD
        self.quotes: tuple[str, ...] = tuple(sorted(crypto.get("quotes", []), key=len, reverse=True))
        self.quote_set: frozenset[str] = frozenset(self.quotes)  # for membership tests, which run per word
        self.currency_words = self.currencies | self.quote_set
        self.bases: frozenset[str] = frozenset(crypto.get("bases", []))
        # another code some exchanges use for the same coin (XBT for BTC)
        self.base_codes: dict[str, str] = {str(k).upper(): str(v).upper() for k, v in crypto.get("codes", {}).items()}
        self.noise_tags: frozenset[str] = frozenset(crypto.get("noise_tags", []))
        # the words that may stand between a ticker and its side: the noise tags and the contracts' kinds
        self.between_tags: frozenset[str] = self.noise_tags | frozenset(crypto.get("contract_words", []))
        self.suffixes: tuple[str, ...] = tuple(sorted((s.upper() for s in table.get("suffixes", {}).get("strip", [])), key=len, reverse=True))
        self.max_alias_words: int = max((k.count(" ") + 1 for k in self.aliases), default=1)
        # the canonical symbols the aliases name, as a set: "in aliases.values()" scanned them all
        self.canonicals: frozenset[str] = frozenset(self.aliases.values())
        self._cache: dict[str, str | None] = {}
        self.magnitudes: dict[str, tuple[float, float]] = {k: (float(v[0]), float(v[1])) for k, v in table.get("magnitudes", {}).items()}
        self._base_magnitudes: dict[str, tuple[float, float] | None] = {}
        # what one unit of a currency is worth in dollars, roughly: a forex pair's price is the
        # ratio of its two currencies' worth, so EURUSD lies near 1.1 and GBPJPY near 190
        self.currency_worth: dict[str, float] = {k: float(v) for k, v in table.get("currency_worth", {}).items()}
        # two-letter desk shorthands (GJ = GBPJPY), read only where the message marks a symbol
        self.shorthands: dict[str, str] = {k.upper(): str(v) for k, v in table.get("shorthands", {}).items()}
        self.exchange_prefixes: frozenset[str] = frozenset(str(p).upper() for p in table.get("exchanges", {}).get("prefixes", []))
        self.pair_slips: dict[str, str] = self._pair_slips()

    def _pair_slips(self) -> dict[str, str]:
        """The traded pairs (the forex pairs and metals of the aliases) misspelt by a slip of the
        keys: two letters swapped ("XUAUSD", "GPBUSD") or one typed twice ("USDCHFF", "GBBPUSD").
        A slip that another pair, a coin or a name of the tables also spells is left out."""
        pairs = sorted(c for c in self.canonicals if len(c) == 6 and c.isalpha() and self.is_pair(c))
        slips: dict[str, str | None] = {}
        for pair in pairs:
            swapped = {pair[:k] + pair[k + 1] + pair[k] + pair[k + 2:] for k in range(5)}
            doubled = {pair[:k] + pair[k] + pair[k:] for k in range(6)}
            for slip in (swapped | doubled) - {pair}:
                slips[slip] = None if slips.get(slip, pair) != pair else pair
        return {slip: pair for slip, pair in slips.items()
                if pair is not None and slip not in self.canonicals and not self.is_pair(slip)
                and phrase_key(slip) not in self.aliases and slip not in self.bases and slip not in self.base_codes
                and not any(slip.endswith(q) and slip[:-len(q)] in self.bases for q in self.quotes)}

    def magnitude(self, symbol: str | None) -> tuple[float, float] | None:
        """The plausible price range of a symbol (of its crypto base when the pair has none and is
        quoted in a dollar-like coin)."""
        if not symbol:
            return None
        hit = self.magnitudes.get(symbol)
        if hit is not None:
            return hit
        if len(symbol) == 6 and symbol[:3] in self.currency_worth and symbol[3:] in self.currency_worth:
            price = self.currency_worth[symbol[:3]] / self.currency_worth[symbol[3:]]
            return price / FOREX_DRIFT, price * FOREX_DRIFT
        by_base = self._base_magnitudes  # asked once per message: the scan of quotes is remembered
        try:
            return by_base[symbol]
        except KeyError:
            pass
        # a base's range holds for its pairs with a dollar-like quote only: a quote that is itself
        # a coin prices the base in that coin (ETHBTC trades at 0.05)
        found = next((self.magnitudes[symbol[: -len(q)]] for q in self.quotes
                      if symbol.endswith(q) and q not in self.bases and symbol[: -len(q)] in self.magnitudes), None)
        if found is None and symbol[-3:] in self.currencies and symbol[:-3] in self.bases and symbol[:-3] in self.magnitudes:
            # "BTCEUR": the dollar range in that currency; a volatile one's worth is unknown ("BTCBRL"),
            # and the dollar range, wide as a coin's is, stands for it
            worth = self.currency_worth.get(symbol[-3:], 1.0)
            low, high = self.magnitudes[symbol[:-3]]
            found = (low / worth, high / worth)
        if len(by_base) > 10_000:
            by_base.clear()
        by_base[symbol] = found
        return found

    def alias(self, key: str) -> str | None:
        return self.aliases.get(key)

    def flag_pair(self, first: str, second: str) -> str | None:
        """The pair two flags' countries name ("EU", "US" -> EURUSD), the majors in the market's order."""
        a, b = self.flag_currencies.get(first), self.flag_currencies.get(second)
        if a is None or b is None or a == b:
            return None
        if a in PAIR_ORDER and b in PAIR_ORDER and PAIR_ORDER.index(a) > PAIR_ORDER.index(b):
            a, b = b, a
        return a + b if a + b in self.canonicals or self.is_pair(a + b) else None

    def is_pair(self, word: str) -> bool:
        w = word.upper()
        return len(w) == 6 and w[:3] in self.currencies and w[3:] in self.currencies and w[:3] != w[3:]

    def crypto_pair(self, word: str) -> str | None:
        """``AAVEUSDT`` → AAVEUSDT when it ends with a quote after a plausible base."""
        w = word.upper()
        for q in self.quotes:
            if w.endswith(q) and len(w) > len(q) and (len(w) - len(q) >= 2 or w[: -len(q)] in self.bases):
                if q in ("BTC", "ETH", "BNB") and w[: -len(q)] not in self.bases:
                    continue
                return w
        if len(w) >= 5 and w[-3:] in self.currencies and w[:-3] in self.bases:
            return w  # "BTCEUR", "ETHGBP": a known coin against a currency of a country
        return None

    def canonical(self, raw: str) -> str | None:
        """Canonical form of one written symbol, or None when it is not one."""
        # channels reuse a small vocabulary, so answers are remembered (bounded, pure function)
        cache = self._cache
        try:
            return cache[raw]
        except KeyError:
            pass
        if len(cache) > 50_000:
            cache.clear()
        cache[raw] = found = self._canonical(raw)
        return found

    def _canonical(self, raw: str) -> str | None:
        key = phrase_key(raw)
        hit = self.aliases.get(key)
        if hit:
            return hit
        w = "".join(ch for ch in raw.upper() if ch.isalnum())
        if not w or not w.isascii():
            return None  # canonical symbols are ASCII; other scripts name instruments through aliases
        cased = _CASED_SUFFIX.fullmatch(raw)
        if cased and cased.group(2).upper() in self.suffixes:
            # "XAUUSDc", "GOLDm", "GOLD.i": a broker's suffix in lower case after a name in capitals
            # (before the pairs: XAUUSDc is no XAU quoted in USDC)
            core = cased.group(1)
            hit = self.aliases.get(phrase_key(core))
            if hit:
                return hit
            if core in self.canonicals or self.is_pair(core):
                return self.recode(core)
        if w in self.pair_slips:
            # "Usdchff", "XUAUSD": a traded pair mistyped (before the crypto pairs: XUAUSD would
            # read as a coin XUA quoted in dollars)
            return self.pair_slips[w]
        if w in self.canonicals or self.is_pair(w) or self.crypto_pair(w):
            return self.recode(w)
        for suffix in self.suffixes:
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                core = w[: -len(suffix)]
                if self.is_pair(core) or core in self.canonicals or self.crypto_pair(core):
                    return core
        if w in self.bases:
            return w
        if w in self.base_codes:
            return self.base_codes[w]
        return None

    def recode(self, pair: str) -> str:
        """``XBTUSD`` → ``BTCUSD``: a pair whose base is written with another exchange's code."""
        for code, base in self.base_codes.items():
            if pair.startswith(code) and pair[len(code):] in self.quote_set:
                return base + pair[len(code):]
        return pair


# a name in capitals, then a broker's suffix in lower case, glued or after a mark ("XAUUSDm", "GOLD.i")
_CASED_SUFFIX: Final = re.compile(r"([A-Z][A-Z0-9]{2,})[.\-_!#]?([a-z]{1,5})")

# How far a currency pair may drift from the worth in the table and still be read as itself.
FOREX_DRIFT: Final = 3.0


@functools.lru_cache(maxsize=32)
def default_symbols() -> SymbolTable:
    return SymbolTable(load_tables("symbols"))
