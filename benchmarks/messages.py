"""Message sets for the benchmarks and the property tests: synthetic traffic and hostile text.

Standard library only, so ``tests/test_property.py`` can load this file by path without the
``benchmarks`` package being importable. Nothing here is taken from a real channel: the shapes
imitate what channels write, the words and numbers are generated.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

# symbol as written, a typical price, decimals, the size of one "pip" move in that price
INSTRUMENTS = [
    ("XAUUSD", 2350.0, 2, 1.0), ("GOLD", 2350.0, 2, 1.0), ("Gold", 2350.0, 1, 1.0),
    ("EURUSD", 1.085, 5, 0.001), ("EUR/USD", 1.085, 4, 0.001), ("GBPUSD", 1.27, 5, 0.001),
    ("USDJPY", 151.2, 3, 0.1), ("GBPJPY", 191.4, 3, 0.1), ("#AUDCAD", 0.898, 5, 0.001),
    ("US30", 39200.0, 0, 20.0), ("NAS100", 18100.0, 1, 15.0), ("DAX", 18450.0, 0, 15.0),
    ("USOIL", 78.4, 2, 0.2), ("XAGUSD", 27.3, 3, 0.05),
    ("#BTC/USDT", 64000.0, 1, 300.0), ("$ETH", 3150.0, 2, 20.0), ("SOLUSDT", 148.0, 3, 1.0),
    ("#DOGE/USDT", 0.1612, 5, 0.0004), ("XRP-USDT", 0.5231, 4, 0.0015),
]
# per language: buy words, sell words, market words, entry labels, stop labels, target labels
LANGUAGES = {
    "en": (["BUY", "Buy", "buy", "LONG", "Long", "🟢 BUY"], ["SELL", "Sell", "sell", "SHORT", "Short", "🔴 SELL"],
           ["NOW", "now", "CMP", "at market", ""], ["@ ", "Entry: ", "Entry zone ", "Entry @ ", ""],
           ["SL", "Sl:", "SL @", "Stop Loss:", "Stoploss", "❌ SL"],
           ["TP{i}", "Tp{i}:", "TP {i} -", "Target {i}:", "✅ TP{i}"]),
    "ru": (["ПОКУПКА", "Покупка", "ЛОНГ"], ["ПРОДАЖА", "Продажа", "ШОРТ"], ["по рынку", ""],
           ["Вход ", "Вход: ", ""], ["стоп", "Стоп-лосс:", "SL"], ["тейк {i}", "Тейк{i}:", "TP{i}"]),
    "fa": (["خرید", "BUY"], ["فروش", "SELL"], ["", "الان"], ["ورود ", ""], ["حد ضرر", "SL"],
           ["تارگت {i}", "حد سود {i}", "TP{i}"]),
    "es": (["COMPRA", "Compra"], ["VENTA", "Venta"], ["AHORA", "ya", ""], ["Entrada: ", ""],
           ["SL", "Stop:"], ["TP{i}", "Objetivo {i}:"]),
}
UPDATES = [
    "TP{i} hit ✅", "{sym} TP{i} reached 🔥 +{pips} pips", "Move SL to BE", "SL to breakeven now",
    "Close half and move stop to entry", "{sym} close all now", "Cancel {sym} limit order",
    "Delete the {sym} order, don't enter", "Stopped out on {sym} ❌", "Secure some profits on {sym}",
    "Move SL to {price}", "{sym} new TP{i} {price}", "стоп в б/у", "Hold {sym}, trail the stop",
    "Risk free now, SL entry", "Close 50% at {price}",
]
NOISE = [
    "Good morning traders! 🌞", "Join our VIP channel, link in bio 👉 t.me/example",
    "Weekly results: +{pips} pips 💰💰", "Do not buy {sym} now, wait for confirmation",
    "If {sym} closes above {price} we may buy", "Market analysis: {sym} is ranging today",
    "Who is ready for NFP? 🔥", "Accuracy this month 87%", "Доброе утро всем!",
    "سلام دوستان، امروز بازار تعطیل است", "¿Alguien opera hoy?", "{sym} looks bullish on H4 📈",
]
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _price(rng: random.Random, base: float, decimals: int) -> float:
    return round(base * rng.uniform(0.97, 1.03), decimals)


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def synthetic_signal(rng: random.Random) -> str:
    """One new-trade call in one of many layouts: words, order of fields, ranges, emoji, languages."""
    sym, base, dec, pip = rng.choice(INSTRUMENTS)
    buy = rng.random() < 0.5
    entry = _price(rng, base, dec)
    step = pip * rng.choice([2, 3, 5, 10])
    sign = 1 if buy else -1
    sl = round(entry - sign * step * rng.uniform(1, 3), dec)
    tps = [round(entry + sign * step * k, dec) for k in range(1, rng.randint(1, 5) + 1)]
    lang = rng.choices(list(LANGUAGES), weights=(8, 1, 1, 1))[0]
    buys, sells, markets, entries, stops, targets = LANGUAGES[lang]
    head = f"{sym} {rng.choice(buys if buy else sells)} {rng.choice(markets)}".strip()
    if rng.random() < 0.3:
        high = round(entry + step, dec)
        entry_txt = f"{_fmt(entry, dec)} - {_fmt(high, dec)}"
    else:
        entry_txt = _fmt(entry, dec)
    lines = [head, rng.choice(entries) + entry_txt, f"{rng.choice(stops)} {_fmt(sl, dec)}"]
    lines += [f"{rng.choice(targets).format(i=i)} {_fmt(tp, dec)}" for i, tp in enumerate(tps, 1)]
    if sym.startswith(("#BTC", "$ETH", "SOL", "#DOGE", "XRP")) and rng.random() < 0.6:
        lines.insert(1, rng.choice(["Leverage: Cross {x}x", "Lev x{x}", "{x}x"]).format(x=rng.choice([5, 10, 20, 50])))
    if rng.random() < 0.2:
        lines.append(rng.choice(["Use proper lot size ⚠️", "Risk 1%", "Good luck 🍀", "#signal"]))
    text = rng.choice(["\n", " ", " | "]).join(lines)
    return text.translate(PERSIAN_DIGITS) if lang == "fa" and rng.random() < 0.3 else text


def _fill(template: str, rng: random.Random) -> str:
    sym, base, dec, _ = rng.choice(INSTRUMENTS)
    return template.format(sym=sym, i=rng.randint(1, 4), pips=rng.randint(10, 900),
                           price=_fmt(_price(rng, base, dec), dec))


def synthetic_messages(n: int, seed: int = 7, mix: tuple[float, float] = (0.6, 0.25)) -> list[str]:
    """``n`` synthetic messages: by default 60% signals, 25% updates, the rest noise."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        r = rng.random()
        if r < mix[0]:
            out.append(synthetic_signal(rng))
        elif r < mix[0] + mix[1]:
            out.append(_fill(rng.choice(UPDATES), rng))
        else:
            out.append(_fill(rng.choice(NOISE), rng))
    return out


def example_texts(repo_root: Path) -> list[str]:
    """Texts of the repository's small example dataset, when it exists."""
    path = repo_root / "examples" / "data" / "messages.jsonl"
    if not path.is_file():
        return []
    texts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and isinstance(row.get("text"), str):
            texts.append(row["text"])
    return texts


def traffic(n: int, repo_root: Path, seed: int = 7) -> list[str]:
    """``n`` messages for speed runs: the example texts first (cycled), then synthetic ones, shuffled.
    Examples are at most a quarter so the figure does not hinge on a handful of texts."""
    rng = random.Random(seed)
    examples = example_texts(repo_root)
    k = min(len(examples) * 4, n // 4) if examples else 0
    texts = [examples[i % len(examples)] for i in range(k)] + synthetic_messages(n - k, seed)
    rng.shuffle(texts)
    return texts


MB = 1_000_000


def hostile_cases() -> Iterator[tuple[str, str]]:
    """``(name, text)`` pairs meant to break a parser: sizes, encodings and shapes that make
    regular expressions backtrack or number readers overflow. Each text is built here, lazily."""
    signal = "GOLD BUY NOW 2350 SL 2340 TP1 2360 TP2 2370\n"
    yield "empty", ""
    yield "whitespace", " \t\r\n\u00a0\u2028\u2029\u3000" * 1000
    yield "nul-bytes", "\x00" * 10_000
    yield "nul-in-signal", signal.replace(" ", "\x00")
    yield "control-chars", "".join(chr(c) for c in range(32)) * 2000
    yield "lone-surrogates", "BUY GOLD \ud800 2350 SL \udfff 2340"
    yield "1mb-letters", "a" * MB
    yield "1mb-signals", signal * (MB // len(signal))
    yield "1mb-newlines", "\n" * MB
    yield "1mb-dotted-digits", "1." * (MB // 2)
    yield "1mb-comma-digits", "1," * (MB // 2)
    yield "1mb-dashes", "- " * (MB // 2)
    yield "10k-digits", "9" * 10_000
    yield "10k-digits-in-signal", f"BUY XAUUSD {'9' * 10_000} SL {'1' * 10_000} TP {'5' * 10_000}"
    yield "10k-decimals", "BUY GOLD 0." + "0" * 10_000 + "1 SL 1e999 TP 1e-999"
    yield "10k-digits-then-letter", "1" * 10_000 + "x"
    yield "digit-groups", "1 " * 50_000
    yield "ranges-chained", "-".join(str(i) for i in range(20_000))
    yield "deep-parens", "(" * 50_000 + "1" + ")" * 50_000
    yield "deep-mixed-brackets", "[{(<" * 25_000 + "BUY" + ">)}]" * 25_000
    yield "open-parens", "((((" * 25_000
    yield "tp-sl-repeat", "TP " * 5000 + "SL " * 5000
    yield "tp-colon-repeat", "TP: " * 20_000
    yield "numbered-tps", "".join(f"TP{i} {2350 + i}\n" for i in range(5000))
    # lines of a word glued to an index under an entry, and slips among numbered targets: each
    # line asks whether its neighbours are numbered (read in one pass, not one a line)
    yield "numbered-words", "BTC long\nEntry 100\n" + "ab1 5\n" * 1300
    yield "numbered-slips", "".join(f"{'Tp' if i % 2 else 'To'} {i % 19 + 1} {100 + i}\n" for i in range(1400))
    yield "emoji-names", "GOLD BUY 2345 " + ":dart: 2355 :x: :greentick: " * 2000
    yield "buy-1-repeat", "buy 1 " * 10_000
    yield "buy-sell-alternating", "buy sell " * 10_000
    yield "entry-sl-repeat", "Entry: 2350 SL: 2340 " * 5000
    yield "keywords-no-space", "TPSLBUYSELLENTRY" * 20_000
    yield "signal-no-spaces", "BUYXAUUSD2350SL2340TP2360" * 40_000
    yield "long-token", "x" * 200_000 + " BUY GOLD 2350"
    yield "spaces-then-x", "TP:" + " " * 100_000 + "x"
    yield "emoji-flood", "🚀" * 100_000
    yield "emoji-and-numbers", "✅🔥💰 2350 " * 20_000
    yield "flags-and-zwj", "🇺🇸👨‍👩‍👧‍👦" * 20_000
    yield "zalgo", "BUY GOLD " + "a\u0301\u0302\u0303" * 50_000
    yield "rtl-persian", "خرید طلا ۲۳۵۰ حد ضرر ۲۳۴۰ تارگت ۲۳۶۰\n" * 2000
    yield "rtl-override", "\u202eBUY GOLD 2350 SL 2340\u202c" * 5000
    yield "persian-digits", "۱۲۳۴۵۶۷۸۹۰" * 10_000
    yield "arabic-indic-digits", "٠١٢٣٤٥٦٧٨٩" * 10_000
    yield "mixed-digit-scripts", "BUY GOLD ۲۳5٠ SL ٢٣4۰ TP 23۶٠ " * 2000
    yield "fullwidth", "ＢＵＹ　ＧＯＬＤ　２３５０　ＳＬ　２３４０" * 5000
    yield "cjk", "黄金买入 2350 止损 2340 止盈 2360 " * 5000
    yield "decimal-commas", "1,0850 " * 20_000
    yield "percent-flood", "-3% " * 30_000
    yield "ratio-flood", "RR 1:3 " * 20_000
    yield "shorthand-flood", "4785-90 " * 20_000
    yield "k-suffix-flood", "30K " * 30_000
    yield "hash-dollar-flood", "#$" * 100_000
    yield "slash-flood", "EUR/" * 50_000
    yield "dots", "." * 200_000
    yield "all-bmp", "".join(chr(c) for c in range(0xD800) if c % 3 == 0)
    yield "astral", "".join(chr(c) for c in range(0x10000, 0x10FFFF, 97))
