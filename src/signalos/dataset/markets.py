"""The instruments the synthetic generator trades: forex, gold, indices, commodities, crypto,
with the ways channels write their symbols and realistic price bands (2023-2026 levels)."""
from __future__ import annotations

# (pair, low, high): decimals and pip follow from the quote currency (JPY: 2-3 decimals, 0.01)
_FOREX = [("EURUSD", 1.05, 1.12), ("GBPUSD", 1.22, 1.32), ("AUDUSD", 0.63, 0.70), ("NZDUSD", 0.57, 0.63),
          ("USDCAD", 1.33, 1.40), ("USDCHF", 0.85, 0.92), ("EURGBP", 0.83, 0.87), ("AUDCAD", 0.88, 0.92),
          ("USDJPY", 140.0, 160.0), ("GBPJPY", 180.0, 200.0), ("EURJPY", 155.0, 170.0), ("CADJPY", 105.0, 115.0)]
# (canonical, written forms, low, high, decimals, pip)
_INDICES = [("US30", ("US30", "DOW", "DJ30", "WS30"), 36000, 46000, (0,), 10.0),
            ("NAS100", ("NAS100", "NASDAQ", "US100", "USTEC"), 15000, 21500, (0, 1), 5.0),
            ("SPX500", ("SPX500", "SP500", "US500"), 4500, 6500, (0, 1), 1.0),
            ("GER40", ("GER40", "DAX", "DE40"), 16000, 24000, (0,), 5.0),
            ("UK100", ("UK100", "FTSE"), 7500, 9500, (0,), 2.0)]
_COMMODITIES = [("XAGUSD", ("XAGUSD", "SILVER", "XAG/USD"), 22.0, 50.0, (2, 3), 0.01),
                ("USOIL", ("USOIL", "WTI", "OIL"), 60.0, 90.0, (2,), 0.01)]
# (base, low, high, decimals): written with USDT, or as the bare base
_CRYPTO = [("BTC", 25000, 110000, (0, 1)), ("ETH", 1500, 4500, (1, 2)), ("SOL", 20, 250, (2, 3)),
           ("BNB", 200, 700, (1, 2)), ("XRP", 0.4, 2.5, (4,)), ("DOGE", 0.06, 0.4, (5,)), ("ADA", 0.25, 1.1, (4,)),
           ("LINK", 6, 25, (3,)), ("AVAX", 10, 50, (2, 3)), ("DOT", 4, 10, (3,)), ("LTC", 60, 120, (2,)),
           ("OP", 1, 4, (4,)), ("ARB", 0.5, 2, (4,))]


class Instrument:
    """One instrument: its canonical symbol, how channels write it, its price band and decimals,
    the size of one pip (None for crypto, which moves by a share of its price)."""

    __slots__ = ("canonical", "asset", "forms", "low", "high", "decimals", "pip", "base_only")

    def __init__(self, canonical, asset, forms, low, high, decimals, pip, base_only=()):
        self.canonical, self.asset, self.forms = canonical, asset, tuple(forms)
        self.low, self.high, self.decimals, self.pip = float(low), float(high), tuple(decimals), pip
        self.base_only = tuple(base_only)  # forms that name the crypto base alone: label is the base


def _instruments() -> list[Instrument]:
    out = []
    for pair, low, high in _FOREX:
        jpy = pair.endswith("JPY")
        out.append(Instrument(pair, "forex", (pair, f"{pair[:3]}/{pair[3:]}", f"#{pair}", pair.lower(), f"{pair}.m"),
                               low, high, (2, 3) if jpy else (4, 5), 0.01 if jpy else 0.0001))
    out.append(Instrument("XAUUSD", "gold", ("XAUUSD", "GOLD", "XAU/USD", "#XAUUSD", "Gold", "XAUUSDm"),
                           1800, 4800, (0, 1, 2), 0.1))
    for canonical, forms, low, high, decimals, pip in _INDICES:
        out.append(Instrument(canonical, "index", forms, low, high, decimals, pip))
    for canonical, forms, low, high, decimals, pip in _COMMODITIES:
        out.append(Instrument(canonical, "commodity", forms, low, high, decimals, pip))
    for base, low, high, decimals in _CRYPTO:
        pair = base + "USDT"
        out.append(Instrument(pair, "crypto", (pair, f"{base}/USDT", f"#{base}/USDT", f"#{pair}", f"{base}-USDT",
                                                 f"${base}/USDT"), low, high, decimals, None,
                               base_only=(f"#{base}", f"${base}", base)))
    return out


INSTRUMENTS = _instruments()
