"""Finding the instrument a message names."""
from __future__ import annotations

from typing import Final

import regex

from signalos_regex.lexicon import Lexicon
from signalos_regex.tokens import Tok

_TICKER: Final = regex.compile(r"^[A-Za-z0-9]{2,12}$")
# the marks of markdown emphasis a chat export keeps around words ("**BOLD**", "__italic__", "~~struck~~")
EMPHASIS: Final = frozenset("*_~")
SYMBOL_LABEL_PUNCT: Final = "#$:-=()[]*|>\ufe0f"


class SymbolFinder:
    """Candidates are ranked: a ``Pair:`` label (1), a pair, alias or index (2), a hashtag or
    cashtag (3), a known crypto base (4), a bare ticker beside a direction word (5), a bare ticker
    alone on the message's first line (6), a hashtag not in capitals (7). The best,
    earliest one wins; among several of the best rank that name different instruments, the one
    nearest the first side word ("TP1 hit on gold ✅ New signal: EURUSD buy ..."). ``token_ids``
    holds every token that is part of some candidate, so the field scanner does not take "EUR" in
    "Sell GBP USD 1.27" for prose."""

    def __init__(self, toks: list[Tok], lex: Lexicon, glued_names: bool = True, caseless: bool = False):
        self.toks = toks
        self.lex = lex
        # True for a message written in a script without case (Chinese, Japanese, Korean, Thai):
        # its writers type a ticker's Latin letters in any case ("cvx 多"), so a bare ticker
        # beside a direction word need not be in capitals
        self.caseless = caseless
        # False when no name with digits starts at a token not a word (``tokenize_marking_glued``)
        self.glued_names = glued_names
        self.best: tuple[int, str | None, int, int] | None = None  # (priority, symbol, start, end)
        self.token_ids: set[int] = set()
        # the other candidates of the best's rank naming another instrument, with their tokens
        self._rivals: list[tuple[int, str | None, int, int, int, int]] = []
        self._best_tokens = (0, 0)  # the best's first and last token
        # the first and last token of each candidate named for sure (a pair, an alias, a tag, a
        # known coin: ranks 1-4) -> the instrument it names
        self.named: dict[int, str | None] = {}

    def _offer(self, priority: int, symbol: str | None, first: int, last: int) -> None:
        self.token_ids.update(range(first, last + 1))
        if priority <= 4:
            self.named[first] = self.named[last] = symbol
        best = self.best
        if best is None or priority < best[0]:
            self.best = (priority, symbol, self.toks[first].start, self.toks[last].end)
            self._best_tokens = (first, last)
            if self._rivals:
                self._rivals = []
        elif priority == best[0] and not self._same_instrument(symbol, best[1]):
            self._rivals.append((priority, symbol, self.toks[first].start, self.toks[last].end, first, last))

    @property
    def best_tokens(self) -> tuple[int, int]:
        """The first and last token of the best candidate ((0, 0) when there is none)."""
        return self._best_tokens

    def names_another(self, k: int) -> bool:
        """Whether token ``k`` is part of a candidate named for sure ("1ST" is no ticker ST) that
        names another instrument than the best."""
        if k not in self.named or self.best is None:
            return False
        return not self._same_instrument(self.named[k], self.best[1])

    def _same_instrument(self, a: str | None, b: str | None) -> bool:
        """Whether two candidates name one instrument: the same, or a base and its pair, the pair
        being the base and a quote or currency of the tables (BTC and BTCUSDT, EUR and EURUSD;
        not ETH and ETHFI, two coins)."""
        if a == b:
            return True
        if a is None or b is None:
            return False
        short, long = (a, b) if len(a) < len(b) else (b, a)
        if not long.startswith(short):
            return False
        tail = long[len(short):]
        symbols = self.lex.symbols
        return tail in symbols.quote_set or tail in symbols.currencies

    def _nearest_the_side(self) -> None:
        """Among rival candidates of the best's rank, the one nearest the first side word."""
        toks = self.toks
        side = next((k for k, t in enumerate(toks) if t.cat == "dir"), None)
        if side is None or self.best is None:
            return

        def distance(first: int, last: int) -> int:
            return first - side if first > side else side - last if last < side else 0

        best_distance = distance(*self._best_tokens)
        for priority, symbol, start, end, first, last in self._rivals:
            if not self._same_instrument(symbol, self.best[1]) and distance(first, last) < best_distance:
                self.best, best_distance = (priority, symbol, start, end), distance(first, last)
                self._best_tokens = (first, last)

    def _offer_ticker(self, name: str, first: int, last: int, priority: int = 5) -> None:
        """An unknown ticker in capitals, its share-class digits (``last``) skipped as prices."""
        if last != first:
            self.toks[last].skip = True
        self._offer(priority, name, first, last)

    def scan(self) -> SymbolFinder:
        toks, symbols, n = self.toks, self.lex.symbols, len(self.toks)
        token_ids = self.token_ids
        glued_names = self.glued_names
        # each token with the one after it, the last with _END, which follows nothing: whether a
        # token is glued to the next is then one comparison, asked of every token
        for i, (tok, nxt) in enumerate(zip(toks, [*toks[1:], _END])):
            # a name glued to what follows: a base with digits ("1000PEPE", "C98/USDT", "#LUNA2") or
            # a chart symbol after its exchange ("NASDAQ:QQQ"); looked at only where such a name can
            # start, and most tokens have a space after them
            # (most tokens are not words and are passed over by their kind before the set lookup
            # that skips a token some candidate already holds)
            kind = tok.kind
            if kind != "word":
                if glued_names and nxt.start == tok.end:
                    if kind == "num":
                        # "1000PEPE": a name of three letters or more in capitals ("10x", "4H" are not)
                        if nxt.kind == "word" and len(nxt.text) >= 3 and not nxt.text.islower() and i not in token_ids:
                            self._digit_base(i)
                    elif (tok.text == "#" or tok.text == "$") and (
                            nxt.kind == "num" or nxt.kind == "word" and i + 2 < n and toks[i + 2].kind == "num"
                            and toks[i + 2].start == nxt.end) and i not in token_ids:
                        self._digit_base(i)  # "#1000SATS", "$LUNA2": a marked name that holds digits
                if kind == "p" and _FLAG_FIRST <= tok.text <= _FLAG_LAST and i not in token_ids:
                    self._flag_pair(i)  # "🇪🇺🇺🇸": two countries' flags, their currencies' pair
                continue
            if i in token_ids:
                continue
            option = nxt.kind == "num" and (tok.cat is None or tok.cat == "sym") and self._option_strike(i + 1)
            if nxt.start == tok.end:
                if nxt.kind == "num":
                    if tok.cat is None and self._digit_base(i):
                        continue  # "C98/USDT"
                elif nxt.text == ":" and i + 2 < n and toks[i + 2].start == nxt.end \
                        and tok.text.upper() in symbols.exchange_prefixes and self._exchange_ticker(i + 2):
                    continue  # "NASDAQ:QQQ"
            cat = tok.cat
            if cat is None or cat == "sym" or cat == "label":
                found = self.symbol_at(i, nxt)
                if found:
                    self._offer(found[2], found[0], i, found[1])
                    continue
            if cat == "sym":
                if option and tok.text.isupper() and self.lex.symbols.magnitude(tok.val) is not None:
                    # "SPX 5300C @ 4.20": an option on the index, priced in its premium, not the
                    # index's CFD: the ticker as written, which has no price range
                    self._offer(2, tok.text, i, i)
                    continue
                self._offer(2, tok.val, i, i)
                continue
            if cat == "label" and tok.val == "symbol":
                k = _next_word_index(toks, i + 1)
                if k is not None and toks[k].cat is None and not toks[k].text.isupper() and len(toks[k].text) <= 6 \
                        and _TICKER.match(toks[k].text) and not toks[k].text.isdigit() \
                        and any(t.kind == "p" and t.text in ":=->" for t in toks[i + 1:k]):
                    # "pair: gj", "Coin -> Dnt": a ticker typed in lower or title case after its label
                    # and a colon or arrow ("this pair loves" is prose), ranked with the hashtags
                    # (a capital ticker or a known name outranks it)
                    up = toks[k].text.upper()
                    found = self.symbol_at(k)
                    self._offer(3, found[0] if found else symbols.shorthands.get(up, up), k, found[1] if found else k)
                elif k is not None and toks[k].cat in (None, "sym") and (toks[k].text.isupper() or toks[k].cat == "sym"):
                    found = self.symbol_at(k)
                    if found:
                        self._offer(1, found[0], k, found[1])
                    elif toks[k].cat == "sym":
                        self._offer(1, toks[k].val, k, k)
                    elif _TICKER.match(toks[k].text):
                        up = toks[k].text.upper()
                        self._offer(1, symbols.shorthands.get(up, up), k, k)
                continue
            if cat is not None:
                if cat != "dir" and self._opening_shorthand(i, tok.text):
                    # "NU buy 0.5920": the pair, though a language's word is written alike (Dutch
                    # and Swedish "nu", now)
                    self._offer(2, symbols.shorthands[tok.text], i, i)
                continue
            prev = toks[i - 1] if i else None
            beside = self.lex.beside_side.get(tok.text)
            if beside is not None and (any(t is not None and t.text.lower() in beside[1] for t in (prev, nxt))
                                       or self._heads_the_message(i)):
                # "ACHAT OR 2380": French gold beside a French side; "Or : TP1 atteint": heading
                # the message before a colon
                self._offer(2, beside[0], i, i)
                continue
            if prev is not None and prev.kind == "p" and prev.text in "#$" and prev.end == tok.start:
                up = tok.text.upper()
                if 2 <= len(up) <= 12 and up not in symbols.noise_tags and _TICKER.match(tok.text):
                    if tok.text.isupper() or prev.text == "$":
                        self._offer(3, symbols.canonical(up) or up, i, i)
                        continue
                    if len(up) <= 6 and not up.isdigit() and up not in symbols.exchange_prefixes:
                        # "#mda", "#Lit": a hashtag in lower or title case is a ticker only where
                        # the message names no symbol otherwise (its tags are often topics)
                        self._offer(7, symbols.canonical(up) or up, i, i)
                        continue
            if not tok.text.isupper() and not (self.caseless and tok.text.isascii() and tok.text.isalnum()):
                continue  # most words: each case below is a word in capitals
            up = tok.text.upper()
            if self._opening_shorthand(i, up):
                self._offer(2, symbols.shorthands[up], i, i)
                continue
            last = i
            if nxt.kind == "num" and nxt.start == tok.end and nxt.text.isdigit() and up.isalpha() \
                    and (len(up) >= 3 and len(nxt.text) <= 2 or len(up) == 2 and 2 <= len(nxt.text) <= 3) \
                    and (i + 2 >= n or toks[i + 2].start != nxt.end or toks[i + 2].kind not in ("word", "num")):
                # "PETR4", "BOVA11", "LUNA2": an exchange's ticker ending in the one or two digits
                # of its share class or version; "CN50", "SG30": an index of two letters and its
                # count of stocks; the digits are the name's, never a price
                last = i + 1
                up += nxt.text
            if up in symbols.bases:
                self._offer_ticker(up, i, last, 4)
            elif _TICKER.match(up) and up not in symbols.noise_tags:
                after = toks[last + 1] if last + 1 < n else None
                if after is not None and after.kind == "word" and after.cat is None \
                        and after.text.upper() in symbols.between_tags \
                        and last + 2 < n and self._sided(toks[last + 2]):
                    # "ENA perp long", "WIF scalp short", "QZX FUT sell below": a tag between the ticker and its side
                    after = toks[last + 2]
                if option or any(t is not None and self._sided(t) for t in (prev, after)) \
                        or (prev is not None and prev.text.lower() in ("on", "ticker")):
                    self._offer_ticker(up, i, last)
                elif after is not None and after.kind == "num" and last + 2 < n and toks[last + 2].cat == "dir" \
                        and _opens_message(toks, i) and not up.isdigit():
                    self._offer_ticker(up, i, last)  # "ZETA 0.5 long": the ticker opening the call, its price, its side
                elif self.best is None and prev is not None and prev.text == "(" and after is not None and after.text == ")" \
                        and prev.end == tok.start and after.start == tok.end and not up.isdigit() \
                        and up not in symbols.currency_words:
                    # "Zeta Network (ZETA)": the ticker in brackets after the name, where no symbol came before
                    self._offer(5, up, i, i)
                elif not up.isdigit() and _opens_message(toks, i) and _alone_on_line(toks, last + 1):
                    # "JUO" heading the message, its levels below ("GJ": a desk's shorthand)
                    self._offer_ticker(symbols.shorthands.get(up, up), i, last, 6)
        if self._rivals:
            self._nearest_the_side()
        return self

    def _sided(self, tok: Tok) -> bool:
        """Whether ``tok`` says a side: a direction, or an order type led by one ("short below",
        "buy stop", "Покупка стоп")."""
        return tok.cat == "dir" or tok.cat == "ot" and self.lex.leading_side(tok.text) is not None

    def _option_strike(self, k: int) -> bool:
        """Whether number ``k``, written after a name, is an option's strike ("BANKNIFTY 48200 CE",
        "SPX 5200C", "SPY 520 CALL"): the strike and the kind after it belong to the contract, no
        price (the prices of the call are its premium); the name before is its underlying."""
        toks = self.toks
        if k + 2 < len(toks) and toks[k + 1].text.upper() == "DTE" and toks[k + 1].start == toks[k].end \
                and toks[k].text.isdigit() and toks[k + 2].kind == "num" and self._option_strike(k + 2):
            toks[k].skip = True  # "SPX 0DTE 5300C": the days to expiry before the strike, no price
            return True
        expiry = _expiry_end(toks, k) if k + 1 < len(toks) and toks[k + 1].text == "/" else 0
        if expiry:
            # "SPY 12/20 520C": the expiry written between the name and the strike
            if expiry >= len(toks) or toks[expiry].kind != "num" or not self._option_strike(expiry):
                return False
            for t in toks[k:expiry]:
                t.skip = True  # a date, never a price
            return True
        strike = toks[k]  # ("24,500 CE": a strike may have a thousands comma)
        if k + 1 >= len(toks) or not strike.text.replace(",", "").replace(".", "", 1).isdigit():
            return False
        kind = toks[k + 1]
        up = kind.text.upper()
        if kind.kind != "word" or not (up in OPTION_KINDS or up in OPTION_LETTERS and kind.start == strike.end):
            return False
        if not (kind.text.isupper() or len(up) > 2 and kind.text.istitle()):
            return False  # "2380 pe": Hinglish "at", not a put ("CE", "PE" are written in capitals)
        if k + 2 < len(toks) and toks[k + 2].kind == "word" and toks[k + 2].start == kind.end:
            return False  # a longer word glued on
        strike.skip = True
        self.token_ids.update((k, k + 1))
        for t in toks[k + 2:_expiry_end(toks, k + 2)]:
            t.skip = True  # "SPY 520C 12/20": the expiry after the contract, a date
        return True

    def symbol_at(self, i: int, nxt: Tok | None = None) -> tuple[str, int, int] | None:
        """A symbol starting at word token ``i``: written whole (EURUSD, XAUUSDm), split (EUR/USD,
        BTC / USDT, XAU USD) or with digits (US30). Returns (symbol, last token index, priority).
        ``nxt``: the token after it (``_END`` after the last), when the caller has it."""
        toks = self.toks
        tok = toks[i]
        if nxt is None:
            nxt = toks[i + 1] if i + 1 < len(toks) else _END
        word = tok.text
        if nxt.start == tok.end and nxt.kind == "num":
            sym = self.lex.symbols.canonical(word + nxt.text)
            if sym:
                nxt.skip = True
                return sym, i + 1, 2
        if nxt.text in EMPHASIS and nxt.start == tok.end:  # (no word or number is one of these marks)
            pair = self._pair_across_emphasis(i)
            if pair is not None:
                return pair
        # a pair in two words: written apart ("BTC / USDT") or as two currencies of three letters
        # ("EUR USD"); most words of prose are neither, and are not upper-cased here
        second: Tok | None = None
        apart = nxt.kind == "p" and nxt.text in "/-_." and i + 2 < len(toks) and toks[i + 2].kind == "word"
        if apart:
            second = toks[i + 2]
        elif len(word) == 3 and nxt is not _END:
            second = nxt
        if second is not None and second.kind == "word" and second.cat in (None, "sym", "label"):
            symbols = self.lex.symbols
            quote = second.text.upper()
            if apart and quote in symbols.quote_set and not self._opens_pair(i + 2):
                base = word.upper()
                if base.isascii() and base.isalnum() and base not in symbols.noise_tags and second.start - tok.end <= 4:
                    return symbols.base_codes.get(base, base) + quote, i + 2, 2
            if apart and quote in symbols.currencies and word.upper() in symbols.bases and second.start - tok.end <= 4:
                return word.upper() + quote, i + 2, 2  # "BTC/EUR", "ETH-GBP": a known coin against a country's currency
            if len(word) == 3 and len(quote) == 3 and symbols.is_pair(word + quote) and second.start - tok.end <= 3:
                return (word + quote).upper(), i + 2 if apart else i + 1, 2
        if tok.cat is None:
            symbols = self.lex.symbols
            sym = symbols.canonical(word)
            if sym and (len(word) >= 5 or word.isupper() or symbols.is_pair(word)):
                return sym, i, 2
        return None

    def _pair_across_emphasis(self, i: int) -> tuple[str, int, int] | None:
        """"**#KAVA****/USDT**": a chat export's markdown marks (bold, italics) glued between a
        crypto base and the slash of its quote."""
        toks, n = self.toks, len(self.toks)
        j = i + 1
        while j < n and toks[j].kind == "p" and toks[j].text in EMPHASIS and toks[j].start == toks[j - 1].end:
            j += 1
        if j + 1 >= n or toks[j].text != "/" or toks[j].start != toks[j - 1].end or toks[j + 1].kind != "word" \
                or toks[j + 1].start != toks[j].end:
            return None
        symbols = self.lex.symbols
        base, quote = toks[i].text.upper(), toks[j + 1].text.upper()
        if quote not in symbols.quote_set or not (base.isascii() and base.isalnum()) or base in symbols.noise_tags:
            return None
        return symbols.base_codes.get(base, base) + quote, j + 1, 2

    def _opens_pair(self, k: int) -> bool:
        """Whether word ``k`` is the first currency of a pair written right after it ("ORDER -
        USD/JPY": USD is JPY's base, not ORDER's quote)."""
        toks = self.toks
        if k + 2 >= len(toks) or toks[k + 1].text != "/" or toks[k + 1].start != toks[k].end:
            return False
        return self.lex.symbols.is_pair((toks[k].text + toks[k + 2].text).upper())

    def _flag_pair(self, i: int) -> None:
        """Two flags from token ``i`` (each two regional-indicator letters, glued; a ``/`` or ``-``
        may stand between the flags), offered as the pair of their countries' currencies."""
        toks = self.toks
        letters: list[str] = []
        k, last = i, i
        while k < len(toks) and len(letters) < 4:
            t = toks[k]
            if _FLAG_FIRST <= t.text <= _FLAG_LAST and (k == i or t.start == toks[k - 1].end):
                letters.append(chr(ord(t.text) - ord(_FLAG_FIRST) + ord("A")))
                last = k
            elif len(letters) == 2 and t.text in "/-" and t.kind == "p":
                pass
            else:
                break
            k += 1
        if len(letters) == 4:
            pair = self.lex.symbols.flag_pair(letters[0] + letters[1], letters[2] + letters[3])
            if pair is not None:
                self._offer(2, pair, i, last)

    def _digit_base(self, i: int) -> bool:
        """A crypto base holding digits, which the tokenizer splits ("1000PEPE", "C98", "LUNA2"):
        taken after a ``#`` or ``$`` marker, or when a quote currency follows it."""
        toks, symbols = self.toks, self.lex.symbols
        n = len(toks)
        marked = toks[i].kind == "p"
        first = i + 1 if marked else i
        if first >= n or (marked and toks[first].start != toks[i].end):
            return False
        last = first
        while last + 1 < n and toks[last + 1].start == toks[last].end and toks[last + 1].kind in ("word", "num"):
            last += 1
        if last == first and not marked:
            return False
        word = "".join([t.text for t in toks[first:last + 1]]).upper()
        # unmarked, the name needs a quote currency, glued ("1000PEPEUSDT") or after a separator
        # ("C98/USDT"): checked first, since "20x", "4H" and "15M" reach here too
        quote: str | None = None
        for q in symbols.quotes:
            if word.endswith(q) and len(word) > len(q) + 1:
                if word[:-len(q)].isdigit():
                    return False  # "2380USD", "60000USDT": a price in that currency, no name
                quote = ""
                break
        if quote is None:
            k = last + 1
            if k + 1 < n and toks[k].kind == "p" and toks[k].text in "/-_" and toks[k + 1].kind == "word" \
                    and toks[k + 1].text.upper() in symbols.quote_set:
                quote = toks[k + 1].text.upper()
            elif not marked:
                return False
        if not (2 <= len(word) <= 16 and word.isascii() and word.isalnum()) or word.isdigit() or word.isalpha() \
                or _ORDINAL.match(word) or _AMOUNT.match(word):
            return False
        for t in toks[first:last + 1]:
            if t.cat is not None:
                return False  # "#TP2", "#SL1": a label with its index
        if quote:
            last += 2
        for t in toks[first:last + 1]:
            t.skip = True  # its digits are part of the name, not prices
        self._offer(2 if quote is not None else 3, word + (quote or ""), first, last)
        return True

    def _heads_the_message(self, i: int) -> bool:
        """Whether word ``i`` is the message's first word (marks before it aside) and a colon
        follows it: a headline naming what the message is about."""
        toks = self.toks
        return i + 1 < len(toks) and toks[i + 1].kind == "p" and toks[i + 1].text in ":：" \
            and all(t.kind == "p" for t in toks[:i])

    def _opening_shorthand(self, i: int, up: str) -> bool:
        """Whether ``up``, token ``i`` in capitals, is a desk shorthand opening the call, a side
        next ("GJ buy 190.20"): the pair, whatever else the word may be."""
        toks = self.toks
        return up in self.lex.symbols.shorthands and _opens_message(toks, i) \
            and (_next_word(toks, i + 1) or toks[i]).cat == "dir"

    def _exchange_ticker(self, k: int) -> bool:
        """The ticker written after an exchange prefix at token ``k``, taken as the named symbol."""
        toks = self.toks
        last = k
        while last + 1 < len(toks) and toks[last + 1].start == toks[last].end and toks[last + 1].kind in ("word", "num"):
            last += 1
        word = "".join([t.text for t in toks[k:last + 1]]).upper()
        if not (1 <= len(word) <= 16 and word.isascii() and word.isalnum()) or word.isdigit():
            return False
        for t in toks[k - 2:last + 1]:
            t.skip = True
        self._offer(1, self.lex.symbols.canonical(word) or word, k, last)
        self.token_ids.update((k - 2, k - 1))
        return True

    def is_currency(self, tok: Tok) -> bool:
        return tok.text.upper() in self.lex.symbols.currency_words


# the regional-indicator letters, two of which make a country's flag
_FLAG_FIRST: Final = "\U0001F1E6"
_FLAG_LAST: Final = "\U0001F1FF"
# the token after the last one: it starts nowhere, so no token is glued to it
_END: Final = Tok("end", "", -1, -1)
# the kind of an option contract written after its strike: "BANKNIFTY 48200 CE", "SPY 520 CALL";
# one letter only glued to the strike ("SPX 5200C", "QQQ 440P")
OPTION_KINDS: Final = frozenset({"CE", "PE", "CALL", "PUT", "CALLS", "PUTS"})
OPTION_LETTERS: Final = frozenset({"C", "P"})


def _expiry_end(toks: list[Tok], k: int) -> int:
    """The index after an option's expiry written as month/day (and year) from token ``k``
    ("12/20", "6/21/25"), or 0 when none starts there."""
    end = k
    parts: list[int] = []
    while end < len(toks) and toks[end].kind == "num" and toks[end].text.isdigit() and len(parts) < 3:
        parts.append(int(toks[end].text))
        end += 1
        if not (end + 1 < len(toks) and toks[end].text == "/" and toks[end].start == toks[end - 1].end
                and toks[end + 1].start == toks[end].end):
            break
        end += 1
    if len(parts) < 2 or not (1 <= parts[0] <= 12 and 1 <= parts[1] <= 31) or toks[end - 1].text == "/":
        return 0
    return end


_ORDINAL: Final = regex.compile(r"^\d+(?:ST|ND|RD|TH|[HMDWY]|MIN|X)$")
# a sum in thousands or billions ("$186K profit"; millions, "$92M", are among _ORDINAL's units):
# money, no coin's name
_AMOUNT: Final = regex.compile(r"\d+[KB]\Z")


def _opens_message(toks: list[Tok], i: int) -> bool:
    """Whether token ``i`` is the first word of the message (markers and emoji before it aside)."""
    return all(t.kind == "p" or t.kind == "nl" for t in toks[:i])


def _alone_on_line(toks: list[Tok], j: int) -> bool:
    """Whether no other word of its own (keywords such as an order type aside) and no number
    follows on the line from token ``j`` before its end or a field's label: a ticker heading a
    message stands alone ("ZRX" over its levels, "ZRX Entry: 0.50 SL: 0.45" on one line)."""
    for t in toks[j:]:
        if t.kind == "nl" or t.cat == "label" and t.val != "symbol":
            return True
        if t.kind == "num" or t.kind == "word" and t.cat is None:
            return False
    return False  # a message of one line is no heading


def _next_word(toks: list[Tok], j: int) -> Tok | None:
    k = _next_word_index(toks, j)
    return toks[k] if k is not None else None


def _next_word_index(toks: list[Tok], j: int) -> int | None:
    while j < len(toks):
        t = toks[j]
        if t.kind == "word":
            return j
        if t.kind == "p" and t.text in SYMBOL_LABEL_PUNCT:
            j += 1
            continue
        return None
    return None
