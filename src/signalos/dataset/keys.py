"""Keys that identify a message's text and its template, shared by import, dedup and feedback.

``text_hash`` recognises the same message written with other digits or spacing; ``template_key``
recognises one channel template posted again with other prices and symbols. Both are pure
functions of the text, so any module (import, dedup, feedback, the production loop) computes the
same key for the same message.
"""
from __future__ import annotations

import hashlib
import re

from signalos.normalize import default_symbols, normalize_text

# stdlib re: these three simple patterns run about twice as fast as with the regex module, and
# the import benchmark computes them for every message.
_SPACES = re.compile(r"\s+")
# A word that may name an instrument: a letter first, then letters/digits, with one separator
# inside (EUR/USD, BTC-USDT, EURUSD.m); a #/$ marker in front.
_SYMBOL_WORD = re.compile(r"[#$]?[^\W\d_][^\W_]*(?:[/\-.][^\W_]+)?")
# A number as channels write it: 2317.50, 27,400, 0.00002150; a run of digits is one slot.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_MASKED: dict[str, str] = {}
NUMBER_MASK = "0"
SYMBOL_MASK = "§"


def canonical_text(text: str) -> str:
    """The text as hashed: digits ASCII (normalize_text), case-folded, whitespace runs collapsed
    to one space, stripped."""
    # str.split() splits on exactly the characters re's \s matches (str.isspace), and joining
    # its parts is the same string as substituting and stripping, at a third of the cost: every
    # logged parse hashes its text (tests/test_data_dedup.py pins the two against each other)
    return " ".join(normalize_text(text).casefold().split())


def text_hash(text: str) -> str:
    """sha256 (hex) of ``canonical_text(text)``: equal for texts differing only in case, digit
    script or spacing. Stored as ``messages.text_hash`` and ``parse_log.text_hash``."""
    return hashlib.sha256(_utf8(canonical_text(text))).hexdigest()


def _utf8(text: str) -> bytes:
    # surrogatepass: a text holding a lone surrogate (a "\ud800" escape in someone's JSON) still
    # has a key, so a hash never raises; its bytes are not UTF-8, which no valid text can collide with
    return text.encode("utf-8", "surrogatepass")


def _mask_symbol(match: re.Match) -> str:
    word = match.group()
    try:
        return _MASKED[word]
    except KeyError:
        pass
    if len(_MASKED) > 200_000:
        _MASKED.clear()  # bounded: a pure function of the word, so forgetting is harmless
    masked = _MASKED[word] = SYMBOL_MASK if default_symbols().canonical(word) else word
    return masked


def template_key(text: str) -> str:
    """The message with instruments and numbers masked: ``"xauusd buy @ 2317.50 sl 2311"`` and
    ``"GOLD BUY @ 1990 SL 1985"`` both give ``"§ buy @ 0 sl 0"``.

    Symbols are masked first (US30, NAS100 hold digits), then every number; the text is
    canonicalised as for ``text_hash``. Dedup groups messages by it; feedback ranks failures by it.
    """
    masked = _SYMBOL_WORD.sub(_mask_symbol, normalize_text(text))
    masked = _NUMBER.sub(NUMBER_MASK, masked)
    return _SPACES.sub(" ", masked.casefold()).strip()


def template_hash(text: str) -> str:
    """sha256 (hex) of ``template_key(text)``; stored as ``messages.template_hash``."""
    return hashlib.sha256(_utf8(template_key(text))).hexdigest()


def natural_key(provider: str | None, text: str, *, message_id: str | None = None,
                chat_id: str | None = None) -> str:
    """The identity of a message across imports: ``provider|chat|id:MESSAGE_ID`` when the channel's
    message id is known, else ``provider|text:SHA256`` of the text exactly as written.

    Importing a file twice therefore adds nothing, while the same text posted twice in one channel
    with two ids stays two messages. The exact text (not ``text_hash``) is hashed on purpose: two
    layouts of one message ("TP1 4705.50 SP 4716.50" on one line or two) are both kept at import
    and merged, visibly and reversibly, by ``signalos data dedup``.
    """
    prov = provider or ""
    if message_id not in (None, ""):
        return f"{prov}|{chat_id or ''}|id:{message_id}"
    return f"{prov}|text:{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()}"
