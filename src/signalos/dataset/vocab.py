"""The trading words of each language the regex parser reads, grouped by language.

``keywords.toml`` lists every word a parser accepts but not which language it belongs to; the
synthetic generator and the ``keyword-language`` augmenter need words one language at a time.
Every word here is one the built-in keyword table knows (a test checks it), so a message written
with them keeps its label whichever language it is written in. ``all_languages()`` adds the
languages whose words only the tables' language files (``data/languages/<code>.toml``) hold.
"""
from __future__ import annotations

import functools
from typing import NamedTuple


class Words(NamedTuple):
    """One language's words. Templates with ``{i}`` take a target's number."""

    buy: tuple[str, ...]
    sell: tuple[str, ...]
    market: tuple[str, ...]
    limit: tuple[str, ...]
    entry: tuple[str, ...]
    stop_loss: tuple[str, ...]
    take_profit: tuple[str, ...]  # one label before a list of targets
    take_profit_n: tuple[str, ...]  # a numbered target: "TP{i}"
    leverage: tuple[str, ...]
    gold: tuple[str, ...]
    pips: tuple[str, ...]
    footer: tuple[str, ...]


LANGUAGES: dict[str, Words] = {
    "en": Words(
        buy=("BUY", "Buy", "buy", "LONG", "Long"), sell=("SELL", "Sell", "sell", "SHORT", "Short"),
        market=("NOW", "now", "CMP", "at market", "Market Execution"), limit=("LIMIT", "Limit"),
        entry=("Entry", "Entry zone", "Entry price", "Entry Point", "ENTRY"),
        stop_loss=("SL", "Stop Loss", "Stoploss", "S/L", "Stop", "sl"),
        take_profit=("TP", "Targets", "Take Profit", "Target", "TPs"),
        take_profit_n=("TP{i}", "TP {i}", "Tp{i}", "Target {i}", "Take Profit {i}"),
        leverage=("Leverage", "Lev"), gold=("GOLD", "Gold", "XAUUSD"), pips=("pips", "points"),
        footer=("Good luck 🍀", "Use proper lot size", "Manage your risk", "Not financial advice")),
    "ru": Words(
        buy=("ПОКУПКА", "Покупка", "ЛОНГ", "Покупаем"), sell=("ПРОДАЖА", "Продажа", "ШОРТ", "Продаем"),
        market=("по рынку", "сейчас"), limit=("лимит",),
        entry=("Вход", "Точка входа", "Цена входа", "Зона входа"), stop_loss=("Стоп", "Стоп-лосс", "SL"),
        take_profit=("Тейки", "Цели", "TP"), take_profit_n=("Тейк {i}", "Цель {i}", "TP{i}"),
        leverage=("Плечо",), gold=("ЗОЛОТО", "Золото", "XAUUSD"), pips=("пунктов", "pips"),
        footer=("Удачи!", "Соблюдайте риск-менеджмент")),
    "fa": Words(
        buy=("خرید", "بای"), sell=("فروش", "سل"), market=("الان",), limit=("لیمیت",),
        entry=("ورود", "نقطه ورود"), stop_loss=("حد ضرر", "استاپ", "SL"),
        take_profit=("تارگت", "حد سود", "TP"), take_profit_n=("تارگت {i}", "حد سود {i}", "TP{i}"),
        leverage=("اهرم",), gold=("طلا", "انس", "XAUUSD"), pips=("پیپ", "pips"),
        footer=("موفق باشید", "مدیریت سرمایه فراموش نشود")),
    "ar": Words(
        buy=("شراء",), sell=("بيع",), market=("الآن",), limit=("limit",), entry=("الدخول", "سعر الدخول"),
        stop_loss=("وقف الخسارة", "SL"), take_profit=("الأهداف", "الهدف", "TP"),
        take_profit_n=("الهدف {i}", "هدف {i}", "TP{i}"), leverage=("الرافعة",), gold=("الذهب", "XAUUSD"),
        pips=("pips",), footer=("بالتوفيق للجميع",)),
    "es": Words(
        buy=("COMPRA", "Compra", "Compramos"), sell=("VENTA", "Venta", "Vendemos"), market=("AHORA", "ahora"),
        limit=("límite",), entry=("Entrada", "Precio de entrada", "Zona de entrada"),
        stop_loss=("Stop", "SL", "Stop de pérdida"), take_profit=("Objetivos", "TP"),
        take_profit_n=("Objetivo {i}", "TP{i}"), leverage=("Apalancamiento",), gold=("ORO", "Oro", "XAUUSD"),
        pips=("puntos", "pips"), footer=("¡Suerte!", "Gestiona tu riesgo")),
    "pt": Words(
        buy=("COMPRA", "Compra", "Comprar"), sell=("VENDA", "Venda"), market=("agora", "AGORA"),
        limit=("limite",), entry=("Entrada", "Preço de entrada"), stop_loss=("Stop", "SL"),
        take_profit=("Alvos", "TP"), take_profit_n=("Alvo {i}", "TP{i}"), leverage=("Alavancagem",),
        gold=("OURO", "XAUUSD"), pips=("pontos", "pips"), footer=("Boa sorte!", "Gerencie seu risco")),
    "tr": Words(
        buy=("AL", "Alış"), sell=("SAT", "Satış"), market=("hemen", "şimdi", "piyasadan"), limit=("limit",),
        entry=("Giriş", "Giriş fiyatı"), stop_loss=("Stop", "SL", "Zarar durdur"),
        take_profit=("Hedefler", "TP"), take_profit_n=("Hedef {i}", "TP{i}"), leverage=("Kaldıraç",),
        gold=("ALTIN", "Altın", "XAUUSD"), pips=("pips",), footer=("Bol şans!", "Risk yönetimine dikkat")),
    "de": Words(
        buy=("KAUFEN", "Kaufen", "Kauf"), sell=("VERKAUFEN", "Verkaufen", "Verkauf"),
        market=("jetzt", "JETZT", "sofort"), limit=("Limit",), entry=("Einstieg", "Einstiegspreis"),
        stop_loss=("SL", "Stop", "Stop-Loss"), take_profit=("Ziele", "TP"),
        take_profit_n=("Ziel {i}", "TP{i}"), leverage=("Hebel",), gold=("GOLD", "Gold"),
        pips=("Punkte", "pips"), footer=("Viel Glück!", "Risikomanagement beachten")),
    "fr": Words(
        buy=("ACHAT", "Achat", "Acheter"), sell=("VENTE", "Vente", "Vendre"),
        market=("maintenant", "au marché"), limit=("limite",), entry=("Entrée", "Prix d'entrée"),
        stop_loss=("Stop", "SL", "Stop loss"), take_profit=("Objectifs", "TP"),
        take_profit_n=("Objectif {i}", "TP{i}"), leverage=("Levier",), gold=("GOLD", "XAUUSD"), pips=("pips",),
        footer=("Bonne chance !", "Gérez votre risque")),
    "it": Words(
        buy=("ACQUISTA", "Acquista", "Acquisto"), sell=("VENDI", "Vendi", "Vendita"),
        market=("ora", "subito", "a mercato"), limit=("limite",), entry=("Ingresso", "Prezzo"),
        stop_loss=("Stop", "SL"), take_profit=("TP", "Obiettivo"), take_profit_n=("Obiettivo {i}", "TP{i}"),
        leverage=("Leva",), gold=("ORO", "Oro", "XAUUSD"), pips=("pips",),
        footer=("Buona fortuna!", "Gestite il rischio")),
    "id": Words(
        buy=("BELI", "Beli"), sell=("JUAL", "Jual"), market=("sekarang",), limit=("limit",),
        entry=("Masuk", "Harga masuk"), stop_loss=("SL", "Batas rugi"), take_profit=("TP", "Target"),
        take_profit_n=("TP{i}", "Target {i}"), leverage=("Leverage",), gold=("EMAS", "Emas", "XAUUSD"),
        pips=("pips",), footer=("Semoga sukses!", "Atur risiko Anda")),
    "vi": Words(
        buy=("MUA", "Mua"), sell=("BÁN", "Bán"), market=("ngay", "giá thị trường"), limit=("limit",),
        entry=("Điểm vào", "Vào lệnh"), stop_loss=("Cắt lỗ", "SL"), take_profit=("Chốt lời", "TP"),
        take_profit_n=("Chốt lời {i}", "TP{i}"), leverage=("Leverage",), gold=("VÀNG", "Vàng", "XAUUSD"),
        pips=("pips",), footer=("Chúc may mắn!", "Quản lý vốn cẩn thận")),
    "hi": Words(
        buy=("KHARIDO", "Kharido", "Khareedo"), sell=("BECHO", "Becho", "Bechiye"), market=("abhi",),
        limit=("limit",), entry=("Entry",), stop_loss=("SL", "Stoploss"),
        take_profit=("Target", "Lakshya", "TP"), take_profit_n=("Target {i}", "TP{i}"), leverage=("Leverage",),
        gold=("GOLD", "Gold", "Sona"), pips=("pips",), footer=("All the best!", "Risk manage karo")),
    "zh": Words(
        buy=("买入", "做多", "多单"), sell=("卖出", "做空", "空单"), market=("现价", "市价", "立即"), limit=("挂单", "限价"),
        entry=("入场", "入场价", "进场"), stop_loss=("止损",), take_profit=("止盈", "目标"),
        take_profit_n=("止盈{i}", "目标{i}", "TP{i}"), leverage=("杠杆",), gold=("黄金", "XAUUSD"), pips=("pips",),
        footer=("祝好运", "注意风险")),
}


def _words_of(table: dict, path: tuple[str, ...]) -> tuple[str, ...]:
    node: object = table
    for key in path:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return tuple(w for w in node if isinstance(w, str) and not w.startswith("re:")) if isinstance(node, list) else ()


def _table_words(code: str) -> Words | None:
    """The Words of a language from its file of the keyword tables (``data/languages/<code>.toml``,
    read through ``signalos.normalize.load_tables``): what that file adds to the built-in table.
    None when it lacks a word for buy, sell, the stop or a target."""
    from signalos.normalize import load_tables

    def own(kind: str, path: tuple[str, ...]) -> tuple[str, ...]:
        base = set(_words_of(load_tables(kind, languages=()), path))
        return tuple(w for w in _words_of(load_tables(kind, languages=(code,)), path) if w not in base)

    buy, sell = own("keywords", ("direction", "buy")), own("keywords", ("direction", "sell"))
    stop, target = own("keywords", ("labels", "stop_loss")), own("keywords", ("labels", "take_profit"))
    if not (buy and sell and stop and target):
        return None
    return Words(
        buy=buy, sell=sell, market=own("keywords", ("order_type", "market")) or ("market",),
        limit=own("keywords", ("order_type", "limit")) or ("limit",),
        entry=own("keywords", ("labels", "entry")) or ("Entry",), stop_loss=stop, take_profit=target,
        take_profit_n=(*(t + " {i}" for t in target[:3]), "TP{i}"),
        leverage=own("keywords", ("labels", "leverage")) or ("Leverage",),
        gold=(*own("symbols", ("aliases", "XAUUSD"))[:3], "XAUUSD"),
        pips=own("keywords", ("words", "pips")) or ("pips",), footer=())


@functools.lru_cache(maxsize=1)
def all_languages() -> dict[str, Words]:
    """Every language the synthetic generator writes: the hand-written ``LANGUAGES`` above, then
    each further language the keyword tables have a file for (Japanese, Korean, Thai, Ukrainian,
    Urdu, Malay, ...), its words read from that file."""
    from signalos.normalize import languages

    out = dict(LANGUAGES)
    for code in languages():
        if code not in out:
            words = _table_words(code)
            if words is not None:
                out[code] = words
    return out
