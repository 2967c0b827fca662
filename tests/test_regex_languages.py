"""The regex parser in each language of ``src/signalos/data/languages``, on messages written for
these tests (no corpus text): signals in several layouts, updates, and noise."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from signalos import Host
from signalos.normalize import languages, load_tables, normalize_text, phrase_key
from signalos_regex.lexicon import DEFAULT_PIPS, NEGATORS, build_lexicon
from signalos_regex.patterns import words_of

LANG_DIR = Path(__file__).resolve().parents[1] / "src" / "signalos" / "data" / "languages"
LANGUAGES = ["es", "pt", "fr", "it", "de", "ru", "uk", "tr", "ar", "fa", "ur", "hi", "id", "ms", "vi", "th", "zh",
             "ja", "ko", "pl", "nl", "sv", "ro", "cs", "el", "hu", "da", "no", "fi", "he", "bn"]

# (language, text, symbol, direction, order type, entry, stop, targets)
SIGNALS = [
    # coins by their names in Chinese and Russian, as "dogecoin", "litecoin" in English
    ("zh", "狗狗币 多 0.165 止损 0.155 目标 0.18", "DOGE", "buy", None, [0.165], 0.155, [0.18]),
    ("ru", "Лайткоин лонг 82.5, стоп 79.8, цель 88", "LTC", "buy", None, [82.5], 79.8, [88]),
    # a pair named by one character of each currency, the base first (澳美 AUDUSD, 美加 USDCAD)
    ("zh", "澳美 多 0.6620 损 0.6590 盈 0.6680", "AUDUSD", "buy", None, [0.6620], 0.6590, [0.6680]),
    ("zh", "美加 空 1.3650 止损 1.3690 止盈 1.3590", "USDCAD", "sell", None, [1.3650], 1.3690, [1.3590]),
    ("zh", "欧元 做多 1.0850 止损 1.0820 止盈 1.0900", "EURUSD", "buy", None, [1.0850], 1.0820, [1.0900]),
    # Brazil's "stop gain" is the take profit
    ("pt", "Prata compra 28.40\nStop Loss: 28.10\nStop Gain: 29.00", "XAGUSD", "buy", None, [28.40], 28.10, [29.00]),
    # the levels' labels in the instrumental case ("with a target of ... and a stop of ...")
    ("ru", "Покупаем серебро от 28.40 с целью 29.00 и стопом 28.10", "XAGUSD", "buy", None, [28.40], 28.10, [29.00]),
    ("uk", "Купуємо срібло від 28.40 з ціллю 29.00 і стопом 28.10", "XAGUSD", "buy", None, [28.40], 28.10, [29.00]),
    # ТВХ: Russian traders' "точка входа" (entry point) shortened
    ("ru", "Шорт ETH\nТВХ: 3420-3440\nЦели: 3350, 3300\nСтоп: 3490", "ETH", "sell", None, [3420, 3440], 3490, [3350, 3300]),
    # "between X and Y": the entry's zone, in each language that says it before the prices
    ("es", "Plata compra entre 28.40 y 28.55, sl 28.10, tp 29.00", "XAGUSD", "buy", None, [28.40, 28.55], 28.10, [29.00]),
    ("pt", "Prata venda entre 28.90 e 29.05, stop 29.40, alvo 28.30", "XAGUSD", "sell", None, [28.90, 29.05], 29.40, [28.30]),
    ("fr", "Argent achat entre 28.40 et 28.55, sl 28.10, tp 29.00", "XAGUSD", "buy", None, [28.40, 28.55], 28.10, [29.00]),
    ("it", "Argento vendita tra 28.90 e 29.05, sl 29.40, tp 28.30", "XAGUSD", "sell", None, [28.90, 29.05], 29.40, [28.30]),
    ("de", "Silber kaufen zwischen 28.40 und 28.55, sl 28.10, tp 29.00", "XAGUSD", "buy", None, [28.40, 28.55], 28.10, [29.00]),
    ("ru", "Серебро покупка между 28.40 и 28.55, стоп 28.10, тейк 29.00", "XAGUSD", "buy", None, [28.40, 28.55], 28.10, [29.00]),
    ("uk", "Срібло купівля між 28.40 та 28.55, стоп 28.10, тейк 29.00", "XAGUSD", "buy", None, [28.40, 28.55], 28.10, [29.00]),
    ("pl", "Srebro kupno między 28.40 a 28.55, sl 28.10, tp 29.00", "XAGUSD", "buy", None, [28.40, 28.55], 28.10, [29.00]),
    ("id", "Perak beli antara 28.40 dan 28.55, sl 28.10, tp 29.00", "XAGUSD", "buy", None, [28.40, 28.55], 28.10, [29.00]),
    ("vi", "Bạc mua giữa 28.40 và 28.55, sl 28.10, tp 29.00", "XAGUSD", "buy", None, [28.40, 28.55], 28.10, [29.00]),
    ("ar", "الفضة شراء بين 28.40 و 28.55 وقف 28.10 هدف 29.00", "XAGUSD", "buy", None, [28.40, 28.55], 28.10, [29.00]),
    # after a target's or stop's label, "between" goes on with that level
    ("pt", "Prata compra agora, alvo entre 29.00 e 29.20, stop 28.10", "XAGUSD", "buy", "market", [], 28.10, [29.00, 29.20]),
    ("en", "Silver buy 28.40 sl 28.10 tp between 29.00 and 29.20", "XAGUSD", "buy", None, [28.40], 28.10, [29.00, 29.20]),
    ("es", "ORO COMPRA AHORA 2345\nStop loss: 2335\nObjetivo 1: 2355\nObjetivo 2: 2365",
     "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("es", "Vendemos DAX en 18250, stop de pérdidas 18320, objetivos 18150 y 18050",
     "GER40", "sell", None, [18250], 18320, [18150, 18050]),
    ("pt", "COMPRA OURO agora 2345\nStop: 2335\nAlvo 1: 2355\nAlvo 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("pt", "Venda Nasdaq 18250 stop 18320 alvos 18150 e 18050", "NAS100", "sell", None, [18250], 18320, [18150, 18050]),
    ("ar", "بيع اليورو دولار 1.0950\nستوب 1.0990\nتيك 1.0900", "EURUSD", "sell", None, [1.095], 1.099, [1.09]),
    ("pt", "Sinal de COMPRA\nAtivo: EURUSD\nEntrada: 1.0850\nStop: 1.0810\nTake: 1.0900", "EURUSD", "buy", None, [1.085],
     1.081, [1.09]),
    ("pt", "BTC compra na zona 42000-41500, alvos 43000 e 44000, stop 40800", "BTC", "buy", None, [41500, 42000], 40800,
     [43000, 44000]),
    ("fr", "Achat de l'or maintenant 2345\nStop loss : 2335\nObjectif 1 : 2355\nObjectif 2 : 2365",
     "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("fr", "Vente pétrole 78.50 stop 79.40 cibles 77.20 / 76.00", "USOIL", "sell", None, [78.5], 79.4, [77.2, 76.0]),
    ("it", "ORO ACQUISTO ora 2345\nStop loss: 2335\nObiettivo 1: 2355\nObiettivo 2: 2365",
     "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("it", "Vendita petrolio 78.50 stop 79.40 target 77.20 e 76.00", "USOIL", "sell", None, [78.5], 79.4, [77.2, 76.0]),
    ("de", "GOLD KAUFEN JETZT 2345\nStop Loss: 2335\nZiel 1: 2355\nZiel 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("de", "Verkauf Rohöl 78.50 SL 79.40 Kursziele 77.20 und 76.00", "USOIL", "sell", None, [78.5], 79.4, [77.2, 76.0]),
    ("ru", "ЗОЛОТО ПОКУПКА по рынку 2345\nСтоп: 2335\nТейк 1: 2355\nТейк 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("ru", "Продаем нефть 78.50 стоп 79.40 цели 77.20 и 76.00", "USOIL", "sell", None, [78.5], 79.4, [77.2, 76.0]),
    ("uk", "ЗОЛОТО КУПІВЛЯ зараз 2345\nСтоп: 2335\nТейк 1: 2355\nТейк 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("uk", "Продаємо нафту 78.50 стоп 79.40 цілі 77.20 і 76.00", "USOIL", "sell", None, [78.5], 79.4, [77.2, 76.0]),
    ("tr", "ALTIN ALIŞ 2345\nZarar Durdur: 2335\nKar Al 1: 2355\nKar Al 2: 2365", "XAUUSD", "buy", None, [2345], 2335, [2355, 2365]),
    ("tr", "Petrol sat 78.50 stop 79.40 hedef 77.20", "USOIL", "sell", None, [78.5], 79.4, [77.2]),
    ("ar", "شراء الذهب الآن 2345\nوقف الخسارة: 2335\nالهدف 1: 2355\nالهدف 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("ar", "بيع النفط 78.50 ستوب 79.40 أهداف 77.20 و 76.00", "USOIL", "sell", None, [78.5], 79.4, [77.2, 76.0]),
    ("pt", "Compra limitada ouro 2375 stop 2368 alvo 2385", "XAUUSD", "buy", "limit", [2375], 2368, [2385]),
    ("ru", "Продажа стоп GBPUSD 1.2650 стоп-лосс 1.2690 тейк 1.2590", "GBPUSD", "sell", "stop", [1.265], 1.269, [1.259]),
    ("pl", "ZŁOTO KUPNO teraz 2345\nSL: 2335\nCel 1: 2355\nCel 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("pl", "Sprzedajemy ropę 78.50 stop 79.40 cele 77.20 i 76.00", "USOIL", "sell", None, [78.5], 79.4, [77.2, 76.0]),
    ("pl", "EUR/PLN sprzedaż limit 4.3200 SL 4.3400 TP 4.2900", "EURPLN", "sell", "limit", [4.32], 4.34, [4.29]),
    ("nl", "ZILVER KOPEN NU 29.40\nSL: 28.90\nDoel 1: 29.70\nDoel 2: 29.90", "XAGUSD", "buy", "market", [29.40], 28.90, [29.70, 29.90]),
    ("nl", "Verkoop EUR/USD tussen 1.0880 en 1.0890, stop loss 1.0920, koersdoel 1.0840", "EURUSD", "sell", None, [1.0880, 1.0890], 1.0920, [1.0840]),
    ("nl", "Goud koop boven 2390 stop 2382 doel 2405", "XAUUSD", "buy", "stop", [2390], 2382, [2405]),
    ("sv", "SÄLJ EURUSD NU 1.0880\nSL: 1.0910\nMål 1: 1.0850\nMål 2: 1.0820", "EURUSD", "sell", "market", [1.0880], 1.0910, [1.0850, 1.0820]),
    ("sv", "Vi köper olja mellan 78.20 och 78.40, stop loss 77.60, kursmål 79.50", "USOIL", "buy", None, [78.20, 78.40], 77.60, [79.50]),
    ("sv", "Köp över 2390 guld, stopp 2382, mål 2405", "XAUUSD", "buy", "stop", [2390], 2382, [2405]),
    ("ro", "VINDE EURUSD ACUM 1.0880\nSL: 1.0910\nȚinta 1: 1.0850\nȚinta 2: 1.0820", "EURUSD", "sell", "market", [1.0880], 1.0910, [1.0850, 1.0820]),
    ("ro", "Cumpărăm petrol între 78.20 și 78.40, stop loss 77.60, obiectiv 79.50", "USOIL", "buy", None, [78.20, 78.40], 77.60, [79.50]),
    ("ro", "Argint vânzare limită 29.60 SL 29.90 TP 29.10", "XAGUSD", "sell", "limit", [29.60], 29.90, [29.10]),
    ("cs", "PRODEJ EURUSD NYNÍ 1.0880\nSL: 1.0910\nCíl 1: 1.0850\nCíl 2: 1.0820", "EURUSD", "sell", "market", [1.0880], 1.0910, [1.0850, 1.0820]),
    ("cs", "Kupujeme ropu mezi 78.20 a 78.40, stop loss 77.60, cíl 79.50", "USOIL", "buy", None, [78.20, 78.40], 77.60, [79.50]),
    ("cs", "Stříbro prodej limit 29.60 SL 29.90 TP 29.10", "XAGUSD", "sell", "limit", [29.60], 29.90, [29.10]),
    ("el", "ΠΩΛΗΣΗ EURUSD ΤΩΡΑ 1.0880\nSL: 1.0910\nΣτόχος 1: 1.0850\nΣτόχος 2: 1.0820", "EURUSD", "sell", "market", [1.0880], 1.0910, [1.0850, 1.0820]),
    ("el", "Αγοράζουμε πετρέλαιο μεταξύ 78.20 και 78.40, stop loss 77.60, στόχος 79.50", "USOIL", "buy", None, [78.20, 78.40], 77.60, [79.50]),
    ("hu", "ELADÁS EURUSD AZONNAL 1.0880\nSL: 1.0910\nCél 1: 1.0850\nCél 2: 1.0820", "EURUSD", "sell", "market", [1.0880], 1.0910, [1.0850, 1.0820]),
    ("hu", "Veszünk olajat 78.20 és 78.40 között, stop loss 77.60, célár 79.50", "USOIL", "buy", None, [78.20, 78.40], 77.60, [79.50]),
    ("da", "SÆLG EURUSD STRAKS 1.0880\nSL: 1.0910\nMål 1: 1.0850\nMål 2: 1.0820", "EURUSD", "sell", "market", [1.0880], 1.0910, [1.0850, 1.0820]),
    ("da", "Vi køber olie mellem 78.20 og 78.40, stop loss 77.60, kursmål 79.50", "USOIL", "buy", None, [78.20, 78.40], 77.60, [79.50]),
    ("no", "SELG EURUSD STRAKS 1.0880\nSL: 1.0910\nMål 1: 1.0850\nMål 2: 1.0820", "EURUSD", "sell", "market", [1.0880], 1.0910, [1.0850, 1.0820]),
    ("no", "Vi kjøper olje mellom 78.20 og 78.40, stopp 77.60, kursmål 79.50", "USOIL", "buy", None, [78.20, 78.40], 77.60, [79.50]),
    ("no", "Sølv kjøp 29.40 stopp 28.90 mål 29.90", "XAGUSD", "buy", None, [29.40], 28.90, [29.90]),
    ("fi", "MYY EURUSD HETI 1.0880\nSL: 1.0910\nTavoite 1: 1.0850\nTavoite 2: 1.0820", "EURUSD", "sell", "market", [1.0880], 1.0910, [1.0850, 1.0820]),
    ("fi", "Osto hopea 29.40 tappioraja 28.90 tavoitteet 29.90 30.20", "XAGUSD", "buy", None, [29.40], 28.90, [29.90, 30.20]),
    ("fi", "Myynti öljy 78.40, stoppi 79.10, tavoite 77.60", "USOIL", "sell", None, [78.40], 79.10, [77.60]),
    ("he", "מכירה EURUSD עכשיו 1.0880\nסטופ לוס: 1.0910\nיעד 1: 1.0850\nיעד 2: 1.0820", "EURUSD", "sell", "market", [1.0880], 1.0910, [1.0850, 1.0820]),
    ("he", "קונים נפט בין 78.20 ל 78.40, סטופ 77.60, יעד 79.50", "USOIL", "buy", None, [78.20, 78.40], 77.60, [79.50]),
    ("bn", "EURUSD সেল এখন 1.0880\nএসএল: 1.0910\nটিপি 1: 1.0850\nটিপি 2: 1.0820", "EURUSD", "sell", "market", [1.0880], 1.0910, [1.0850, 1.0820]),
    ("bn", "রুপা বাই 29.40 স্টপ 28.90 টার্গেট 29.90 30.20", "XAGUSD", "buy", None, [29.40], 28.90, [29.90, 30.20]),
    ("de", "Kauf Stopp GBPUSD 1.2650 SL 1.2610 TP 1.2720", "GBPUSD", "buy", "stop", [1.265], 1.261, [1.272]),
    ("fa", "خرید طلا 2345\nحد ضرر: 2335\nتی پی 1: 2355\nتی پی 2: 2365", "XAUUSD", "buy", None, [2345], 2335, [2355, 2365]),
    ("fa", "فروش نفت 78.50 استاپ 79.40 تارگت 77.20 و 76.00", "USOIL", "sell", None, [78.5], 79.4, [77.2, 76.0]),
    ("fa", "XAUUSD خرید پله ای 2380 و 2375\nاستاپ 2368\nتارگت 2395", "XAUUSD", "buy", None, [2375, 2380], 2368, [2395]),
    ("ur", "سونا خریدیں ابھی 2345\nسٹاپ لاس: 2335\nٹارگٹ 1: 2355\nٹارگٹ 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("ur", "تیل فروخت 78.50 سٹاپ لاس 79.40 ٹارگٹ 77.20", "USOIL", "sell", None, [78.5], 79.4, [77.2]),
    ("hi", "सोना खरीदें अभी 2345\nस्टॉप लॉस: 2335\nटारगेट 1: 2355\nटारगेट 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("hi", "कच्चा तेल बेचें 78.50 एसएल 79.40 टारगेट 77.20", "USOIL", "sell", None, [78.5], 79.4, [77.2]),
    ("hi-latn", "Gold kharido abhi 2345\nSL: 2335\nTarget 1: 2355\nTarget 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("hi-latn", "Chandi becho 29.50 stoploss 30.10 target 28.80", "XAGUSD", "sell", None, [29.5], 30.1, [28.8]),
    ("id", "BELI EMAS sekarang 2345\nSL: 2335\nTP1: 2355\nTP2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("id", "Jual minyak 78.50 batas rugi 79.40 ambil untung 77.20", "USOIL", "sell", None, [78.5], 79.4, [77.2]),
    ("ms", "BELI EMAS sekarang 2345\nHenti rugi: 2335\nSasaran 1: 2355\nSasaran 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("ms", "Jual minyak mentah 78.50 henti rugi 79.40 ambil untung 77.20", "USOIL", "sell", None, [78.5], 79.4, [77.2]),
    ("vi", "MUA VÀNG ngay 2345\nCắt lỗ: 2335\nChốt lời 1: 2355\nChốt lời 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("vi", "Bán dầu thô 78.50 dừng lỗ 79.40 mục tiêu 77.20", "USOIL", "sell", None, [78.5], 79.4, [77.2]),
    ("th", "ซื้อทองคำ ทันที 2345\nตัดขาดทุน: 2335\nทำกำไร 1: 2355\nทำกำไร 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("th", "ขายน้ำมัน78.50 ตัดขาดทุน79.40 ทำกำไร77.20", "USOIL", "sell", None, [78.5], 79.4, [77.2]),
    ("zh", "黄金 买入 2345\n止损：2335\n止盈1：2355\n止盈2：2365", "XAUUSD", "buy", None, [2345], 2335, [2355, 2365]),
    ("zh", "原油做空78.50止损79.40目标77.20", "USOIL", "sell", None, [78.5], 79.4, [77.2]),
    ("zh-hant", "黃金 買入 現價 2345\n止損：2335\n目標：2355 / 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("zh-hant", "納指做空18250止損18320止盈18150", "NAS100", "sell", None, [18250], 18320, [18150]),
    ("ja", "ゴールド 買い 成行 2345\n損切り：2335\n利確1：2355\n利確2：2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("ja", "ドル円売り 151.20 損切り151.80 利確150.50", "USDJPY", "sell", None, [151.2], 151.8, [150.5]),
    ("ko", "골드 매수 시장가 2345\n손절가: 2335\n익절가 1: 2355\n익절가 2: 2365", "XAUUSD", "buy", "market", [2345], 2335, [2355, 2365]),
    ("ko", "나스닥 숏 18250 손절 18320 목표가 18150", "NAS100", "sell", None, [18250], 18320, [18150]),
    ("ko", "금 매수 2345 손절가2335 익절가2355", "XAUUSD", "buy", None, [2345], 2335, [2355]),
]

# (language, text, [(action type, price, percent, tp)])
UPDATES = [
    ("es", "Movemos el stop a punto de equilibrio", [("breakeven", None, None, None)]),
    ("es", "Cerramos el 50% de la posición y dejamos correr el resto", [("close_partial", None, 50, None)]),
    ("es", "Objetivo 2 alcanzado ✅ +100 pips", [("tp_hit", None, None, 2)]),
    ("pt", "Movam o stop para o ponto de entrada", [("breakeven", None, None, None)]),
    ("pt", "Realizem parcial de 30% agora", [("close_partial", None, 30, None)]),
    ("pt", "Stop atingido, seguimos para a próxima", [("sl_hit", None, None, None)]),
    ("fr", "Déplacez le stop au point d'entrée", [("breakeven", None, None, None)]),
    ("fr", "Clôturez 50% maintenant et laissez courir", [("close_partial", None, 50, None)]),
    ("fr", "Objectif 1 atteint ✅", [("tp_hit", None, None, 1)]),
    ("it", "Spostate lo stop a pareggio", [("breakeven", None, None, None)]),
    ("it", "Chiudete il 50% della posizione", [("close_partial", None, 50, None)]),
    ("it", "TP2 raggiunto, complimenti a tutti", [("tp_hit", None, None, 2)]),
    ("de", "Stop auf Einstand ziehen", [("breakeven", None, None, None)]),
    ("de", "Schließt 50% der Position", [("close_partial", None, 50, None)]),
    ("de", "Ziel 2 erreicht ✅", [("tp_hit", None, None, 2)]),
    ("ru", "Переносим стоп в безубыток", [("breakeven", None, None, None)]),
    ("ru", "Закрываем 50% позиции", [("close_partial", None, 50, None)]),
    ("ru", "Стоп выбило, ждём новых сетапов", [("sl_hit", None, None, None)]),
    ("ru", "Добавляем к покупкам по 2370", [("other", 2370, None, None)]),
    ("fa", "معامله بسته شود", [("close", None, None, None)]),
    ("ru", "Обновление по золоту: стоп 2388, тейк 2405", [("move_sl", 2388, None, None), ("modify_tp", 2405, None, None)]),
    ("zh", "黄金更新：止损 2388 止盈 2405", [("move_sl", 2388, None, None), ("modify_tp", 2405, None, None)]),
    ("zh", "#SOL 止盈第一目标 ✅ 剩余仓位止损上移至开仓价", [("tp_hit", None, None, 1), ("breakeven", None, None, None)]),
    ("pt", "Atualização ouro: stop 2388, alvo 2405", [("move_sl", 2388, None, None), ("modify_tp", 2405, None, None)]),
    ("fa", "معامله بسته می‌شود", [("close", None, None, None)]),
    ("uk", "Стоп у беззбиток", [("breakeven", None, None, None)]),
    ("uk", "Закриваємо 50% позиції", [("close_partial", None, 50, None)]),
    ("uk", "Тейк 1 взято", [("tp_hit", None, None, 1)]),
    ("tr", "Stopu girişe çekin", [("breakeven", None, None, None)]),
    ("tr", "Pozisyonu kapatın", [("close", None, None, None)]),
    ("tr", "TP2 geldi ✅", [("tp_hit", None, None, 2)]),
    ("ar", "انقلوا وقف الخسارة إلى نقطة الدخول", [("breakeven", None, None, None)]),
    ("ar", "أغلقوا 50% من الصفقة", [("close_partial", None, 50, None)]),
    ("ar", "تم ضرب وقف الخسارة", [("sl_hit", None, None, None)]),
    ("fa", "استاپ را به نقطه ورود ببرید", [("breakeven", None, None, None)]),
    ("fa", "50% حجم را ببندید", [("close_partial", None, 50, None)]),
    ("fa", "تی پی 2 خورد", [("tp_hit", None, None, 2)]),
    ("ur", "سٹاپ لاس کو انٹری پر لے آئیں", [("breakeven", None, None, None)]),
    ("ur", "50% ٹریڈ بند کریں", [("close_partial", None, 50, None)]),
    ("ur", "ٹارگٹ 1 ہٹ", [("tp_hit", None, None, 1)]),
    ("hi", "स्टॉप लॉस को एंट्री पर करें", [("breakeven", None, None, None)]),
    ("hi", "50% पोजीशन बुक करें", [("close_partial", None, 50, None)]),
    ("hi", "टारगेट 2 हिट", [("tp_hit", None, None, 2)]),
    ("hi-latn", "SL ko entry par kar do", [("breakeven", None, None, None)]),
    ("hi-latn", "50% profit book karo", [("close_partial", None, 50, None)]),
    ("hi-latn", "SL ko 2350 par shift karo", [("move_sl", 2350, None, None)]),
    ("id", "Geser SL ke harga masuk", [("breakeven", None, None, None)]),
    ("id", "Tutup 50% posisi sekarang", [("close_partial", None, 50, None)]),
    ("id", "TP2 tercapai ✅", [("tp_hit", None, None, 2)]),
    ("ms", "Alihkan SL ke harga kemasukan", [("breakeven", None, None, None)]),
    ("ms", "Tutup 50% kedudukan sekarang", [("close_partial", None, 50, None)]),
    ("ms", "Kena henti rugi, sabar untuk setup seterusnya", [("sl_hit", None, None, None)]),
    ("vi", "Dời SL về điểm vào", [("breakeven", None, None, None)]),
    ("vi", "Đóng 50% lệnh", [("close_partial", None, 50, None)]),
    ("vi", "TP1 đạt ✅", [("tp_hit", None, None, 1)]),
    ("th", "เลื่อนตัดขาดทุนไปที่จุดเข้า", [("breakeven", None, None, None)]),
    ("th", "ปิด 50% ของออเดอร์", [("close_partial", None, 50, None)]),
    ("th", "ทำกำไร 1 ถึงแล้ว ✅", [("tp_hit", None, None, 1)]),
    ("zh", "止损上移至2350", [("move_sl", 2350, None, None)]),
    ("zh", "黄金平仓50%", [("close_partial", None, 50, None)]),
    ("zh", "止盈2达成", [("tp_hit", None, None, 2)]),
    ("zh-hant", "止損移到開倉價", [("breakeven", None, None, None)]),
    ("zh-hant", "平倉30%", [("close_partial", None, 30, None)]),
    ("zh-hant", "止損出局", [("sl_hit", None, None, None)]),
    ("ja", "損切りを建値に移動", [("breakeven", None, None, None)]),
    ("ja", "50%を決済", [("close_partial", None, 50, None)]),
    ("ja", "利確1達成", [("tp_hit", None, None, 1)]),
    ("ja", "損切りを2350に移動", [("move_sl", 2350, None, None)]),
    ("ko", "손절가를 본절로 이동", [("breakeven", None, None, None)]),
    ("ko", "50% 익절", [("close_partial", None, 50, None)]),
    ("ko", "손절 당했습니다", [("sl_hit", None, None, None)]),
    ("ko", "손절가를 2350으로 변경", [("move_sl", 2350, None, None)]),
    ("ko", "거래 취소", [("cancel", None, None, None)]),
    ("th", "ยกเลิกออเดอร์", [("cancel", None, None, None)]),
    # ordinals name the target in every language; Turkish suffixes an abbreviation after an apostrophe
    ("zh", "黄金 第一目标已达到", [("tp_hit", None, None, 1)]),
    ("zh", "第二个止盈完成", [("tp_hit", None, None, 2)]),
    ("zh", "DOGE 全部止盈 🎉", [("tp_hit", None, None, None)]),
    ("zh", "黄金多单止损出场", [("sl_hit", None, None, None)]),
    ("pt", "Stop movido para 1.0860", [("move_sl", 1.086, None, None)]),
    ("pt", "Saímos no stop, próxima", [("sl_hit", None, None, None)]),
    ("es", "SL movido a 1.0860", [("move_sl", 1.086, None, None)]),
    ("ar", "تم تحقيق الهدف الثاني ✅✅", [("tp_hit", None, None, 2)]),
    ("pt", "Feche sua venda em prata", [("close", None, None, None)]),
    ("pt", "Aumentar posição em SOL no 142", [("other", 142, None, None)]),
    ("pt", "Stop no lucro em 24.30", [("move_sl", 24.3, None, None)]),
    ("pt", "Prata bateu o alvo final 🎯", [("tp_hit", None, None, None)]),
    ("pt", "Entrada acionada ✅ venda em prata ativa", [("other", None, None, None)]),
    ("pt", "Saímos no zero a zero na prata", [("close", None, None, None)]),
    ("pt", "Compra de GBPUSD fechada +25 pips", [("close", None, None, None)]),
    ("es", "Cierra tu venta de plata", [("close", None, None, None)]),
    ("es", "Promediamos SOL en 142", [("other", 142, None, None)]),
    ("es", "Entrada activada ✅ venta en plata activa", [("other", None, None, None)]),
    ("es", "Stop en ganancias en 24.30", [("move_sl", 24.3, None, None)]),
    ("es", "La plata alcanzó el objetivo final 🎯", [("tp_hit", None, None, None)]),
    ("es", "Compra de GBPUSD cerrada con +25 pips", [("close", None, None, None)]),
    ("ru", "Лонг по SOL закрыт +4%", [("close", None, None, None)]),
    ("ru", "Докупаем LINK по 14.2", [("other", 14.2, None, None)]),
    ("ru", "Лимитка по SOL снята", [("cancel", None, None, None)]),
    ("zh", "以太坊多单止盈出局", [("tp_hit", None, None, None)]),
    ("zh", "SHIB 多单 已止盈 ✅", [("tp_hit", None, None, None)]),
    ("zh", "FIL 补仓 3.25", [("other", 3.25, None, None)]),
    ("ar", "اغلق صفقة البيع على الفضة", [("close", None, None, None)]),
    ("fa", "معامله فروش نقره بسته شد", [("close", None, None, None)]),
    ("it", "Chiudi lo short su GBPUSD", [("close", None, None, None)]),
    ("de", "Silber Verkauf geschlossen +30 Pips", [("close", None, None, None)]),
    ("fr", "Vente sur l'argent clôturée +30 pips", [("close", None, None, None)]),
    ("id", "Posisi buy GBPUSD ditutup", [("close", None, None, None)]),
    ("hi", "Silver sell band kar do", [("close", None, None, None)]),
    ("ko", "은 매도 청산", [("close", None, None, None)]),
    ("de", "Silber Verkauf aktiviert", [("other", None, None, None)]),
    ("tr", "Gümüş satış aktif", [("other", None, None, None)]),
    ("ar", "تم تفعيل بيع الفضة", [("other", None, None, None)]),
    ("fa", "فروش نقره فعال شد", [("other", None, None, None)]),
    ("id", "Sell perak aktif", [("other", None, None, None)]),
    ("vi", "Lệnh bán bạc đã khớp", [("other", None, None, None)]),
    ("it", "Vendita argento attivata", [("other", None, None, None)]),
    ("de", "Silber Verkauf halten", [("other", None, None, None)]),
    ("fa", "فروش نقره را نگه دارید", [("other", None, None, None)]),
    ("ru", "Первая цель достигнута ✅ переводим в безубыток", [("tp_hit", None, None, 1), ("breakeven", None, None, None)]),
    ("ru", "Вторая цель взята", [("tp_hit", None, None, 2)]),
    # a target hit told by its level's noun (止盈位), a trade closed at a target named by its rank,
    # a signed result made at a target
    ("zh", "BTC 第二止盈位已到达", [("tp_hit", None, None, 2)]),
    ("zh", "白银 止盈位3已到达", [("tp_hit", None, None, 3)]),
    ("ru", "Позиция закрыта по второй цели +60 пунктов", [("tp_hit", None, None, 2)]),
    ("ru", "Сделка по серебру закрыта по тейку", [("tp_hit", None, None, None)]),
    ("pt", "AUDUSD +40 pips no alvo 2 ✅", [("tp_hit", None, None, 2)]),
    ("es", "AUDUSD +40 pips en el TP2", [("tp_hit", None, None, 2)]),
    ("ar", "أغلقنا الصفقة على ربح 35 نقطة", [("close", None, None, None)]),
    ("ar", "تم الوصول للهدف الثاني ✅", [("tp_hit", None, None, 2)]),
    ("ar", "تم تفعيل وقف الخسارة ❌", [("sl_hit", None, None, None)]),
    ("vi", "Đã chạm cắt lỗ bạc", [("sl_hit", None, None, None)]),
    # a count of pips in the language's own word is no price of the close
    ("fa", "معامله بسته شد با سود 35 پیپ", [("close", None, None, None)]),
    ("ru", "Закрыли сделку +45 пунктов", [("close", None, None, None)]),
    ("pt", "Stop gain atingido na prata ✅", [("tp_hit", None, None, None)]),
    ("pt", "Bateu o gain na prata", [("tp_hit", None, None, None)]),
    # "new" after the level's word, as Portuguese, Spanish and Italian may place it
    ("pt", "Stop novo: 28.10", [("move_sl", 28.10, None, None)]),
    ("pt", "Alvo novo 29.20", [("modify_tp", 29.20, None, None)]),
    ("es", "Stop nuevo 28.10", [("move_sl", 28.10, None, None)]),
    ("it", "Stop nuovo 28.10", [("move_sl", 28.10, None, None)]),
    # a target's price between its rank and the verb is no rank ("第一目标2385已到": target 1, not 2)
    ("zh", "白银多单第一目标29.20已到，剩余仓位止损移至开仓价", [("tp_hit", 29.20, None, 1), ("breakeven", None, None, None)]),
    ("zh", "白银多单止盈目标调整为29.50", [("modify_tp", 29.50, None, None)]),
    ("zh", "白银多单被扫损", [("sl_hit", None, None, None)]),
    ("ru", "Пол позиции закрываем, остальное в б/у", [("close_partial", None, 50, None), ("breakeven", None, None, None)]),
    ("ru", "Лимитку снимаем", [("cancel", None, None, None)]),
    ("pt", "Stop movido para o alvo 1", [("move_sl", None, None, None)]),
    # a target named by its price, then the verb of a hit: the target hit at that price, no target
    # moved there, and the price's first digits are no rank ("Тейк 2385 ✅" was target 23)
    ("ru", "Тейк 29.20 ✅", [("tp_hit", 29.20, None, None)]),
    ("ru", "Цель 29.20 взята", [("tp_hit", 29.20, None, None)]),
    ("pt", "Alvo 29.20 atingido", [("tp_hit", 29.20, None, None)]),
    ("es", "Objetivo 29.20 alcanzado", [("tp_hit", 29.20, None, None)]),
    ("de", "Ziel 29.20 erreicht", [("tp_hit", 29.20, None, None)]),
    ("tr", "Hedef 29.20 geldi", [("tp_hit", 29.20, None, None)]),
    ("en", "TP 29.20 hit", [("tp_hit", 29.20, None, None)]),
    ("en", "TP 1.0850 hit ✅", [("tp_hit", 1.0850, None, None)]),
    # the stop named by its price, then the verb of a hit: the stop hit at that price
    ("en", "SL 28.10 hit", [("sl_hit", 28.10, None, None)]),
    ("pt", "Stop 28.10 atingido", [("sl_hit", 28.10, None, None)]),
    ("ru", "Стоп 28.10 выбило", [("sl_hit", 28.10, None, None)]),
    ("de", "Stop 28.10 erreicht", [("sl_hit", 28.10, None, None)]),
    ("zh", "止损28.10触发", [("sl_hit", 28.10, None, None)]),
    ("tr", "Hedef geldi ✅", [("tp_hit", None, None, None)]),
    ("tr", "Zarar kes 28.10 oldu", [("sl_hit", 28.10, None, None)]),
    ("tr", "Kâr al 29.20 geldi", [("tp_hit", 29.20, None, None)]),
    # a correction's headline over levels: the open trade's levels set anew
    ("en", "Correction: SL 28.10 TP 29.20", [("move_sl", 28.10, None, None), ("modify_tp", 29.20, None, None)]),
    ("pt", "Correção: o stop é 28.10", [("move_sl", 28.10, None, None)]),
    ("ru", "Исправление: стоп 28.10", [("move_sl", 28.10, None, None)]),
    ("zh", "更正：止损28.10", [("move_sl", 28.10, None, None)]),
    ("es", "Corrección: SL 28.10, TP 29.20", [("move_sl", 28.10, None, None), ("modify_tp", 29.20, None, None)]),
    # a close told in the first person or the feminine, a stop's move told by its participle
    ("ru", "Закрыла сделку по серебру", [("close", None, None, None)]),
    ("ru", "Вышла из сделки", [("close", None, None, None)]),
    ("ru", "Стоп передвинут на точку входа", [("breakeven", None, None, None)]),
    ("es", "Cerré la operación de plata", [("close", None, None, None)]),
    ("fr", "J'ai clôturé le trade sur l'argent", [("close", None, None, None)]),
    ("pl", "Zamknęłam pozycję na srebrze", [("close", None, None, None)]),
    ("pt", "Fechei a prata no lucro", [("close", None, None, None)]),
    ("pt", "Parcial realizada", [("close_partial", None, None, None)]),
    ("pt", "Stop movido para o ponto de entrada", [("breakeven", None, None, None)]),
    ("pt", "Stop loss ajustado para o preço de entrada", [("breakeven", None, None, None)]),
    # "to zero" is breakeven in Russian and Ukrainian, and a channel writes the stop's label in Latin
    ("ru", "Стоп в ноль по серебру", [("breakeven", None, None, None)]),
    ("ru", "Первая цель взята, стоп переносим в ноль", [("tp_hit", None, None, 1), ("breakeven", None, None, None)]),
    ("ru", "SL на точку входа", [("breakeven", None, None, None)]),
    ("uk", "Стоп у нуль", [("breakeven", None, None, None)]),
    ("uk", "SL на точку входу", [("breakeven", None, None, None)]),
    ("fa", "تارگت دوم هم خورد", [("tp_hit", None, None, 2)]),
    ("tr", "Stop'u girişe çekin", [("breakeven", None, None, None)]),
    ("vi", "Chốt lời TP2 vàng", [("tp_hit", None, None, 2)]),
    ("vi", "Vàng đã chạm TP2", [("tp_hit", None, None, 2)]),
    ("ru", "Тейк 2 ✅", [("tp_hit", None, None, 2)]),
    ("ar", "تحقق الهدف الثاني", [("tp_hit", None, None, 2)]),
    ("es", "Asegurar algo de ganancias ahora", [("close_partial", None, None, None)]),
    ("pl", "Przesuwamy SL na wejście", [("breakeven", None, None, None)]),
    ("pl", "Zamykamy połowę pozycji", [("close_partial", None, 50, None)]),
    ("pl", "Drugi cel zrealizowany ✅", [("tp_hit", None, None, 2)]),
    ("pl", "Przesuń stop na 2350", [("move_sl", 2350, None, None)]),
    ("pl", "SL wybity", [("sl_hit", None, None, None)]),
    # Brazil's "zerar" (to zero the position): closed
    ("pt", "Zerem a posição na prata", [("close", None, None, None)]),
    # the stop tightened to a price
    ("ru", "Стоп подтянули до 29.60", [("move_sl", 29.60, None, None)]),
    # all targets reached, the words the other way round
    ("zh", "止盈全部到位", [("tp_hit", None, None, None)]),
    # the order posted before, filled (as English "buy order triggered")
    ("pt", "Ordem ativada na prata", [("other", None, None, None)]),
    ("es", "Orden activada en la plata", [("other", None, None, None)]),
    ("ru", "Ордер сработал по серебру", [("other", None, None, None)]),
    # a target "came out" (出来了, 已出): hit
    ("zh", "白银止盈一出来了，剩下的保本", [("tp_hit", None, None, 1), ("breakeven", None, None, None)]),
    ("zh", "黄金止盈2已出", [("tp_hit", None, None, 2)]),
    ("pl", "Anulujemy zlecenie", [("cancel", None, None, None)]),
    ("nl", "Zet de stop op instap", [("breakeven", None, None, None)]),
    ("nl", "Sluit de helft van de positie", [("close_partial", None, 50, None)]),
    ("nl", "Tweede doel bereikt ✅", [("tp_hit", None, None, 2)]),
    ("nl", "Verplaats stop naar 29.20", [("move_sl", 29.20, None, None)]),
    ("nl", "Stop geraakt", [("sl_hit", None, None, None)]),
    ("nl", "Order geannuleerd", [("cancel", None, None, None)]),
    ("nl", "Positie gesloten op 29.62", [("close", 29.62, None, None)]),
    ("sv", "Flytta stoppen till ingång", [("breakeven", None, None, None)]),
    ("sv", "Stäng hälften av positionen", [("close_partial", None, 50, None)]),
    ("sv", "Andra målet nått ✅", [("tp_hit", None, None, 2)]),
    ("sv", "Flytta stopp till 29.20", [("move_sl", 29.20, None, None)]),
    ("sv", "Stoppen träffad", [("sl_hit", None, None, None)]),
    ("sv", "Ordern är borttagen", [("cancel", None, None, None)]),
    ("sv", "Positionen stängd på 29.62", [("close", 29.62, None, None)]),
    ("ro", "Mutăm stop-ul la intrare", [("breakeven", None, None, None)]),
    ("ro", "Închidem jumătate din poziție", [("close_partial", None, 50, None)]),
    ("ro", "A doua țintă a fost atinsă ✅", [("tp_hit", None, None, 2)]),
    ("ro", "Mută SL la 29.20", [("move_sl", 29.20, None, None)]),
    ("ro", "Stop loss atins", [("sl_hit", None, None, None)]),
    ("ro", "Ordinul a fost anulat", [("cancel", None, None, None)]),
    ("ro", "Poziția închisă la 29.62", [("close", 29.62, None, None)]),
    ("cs", "Posuňte stop na vstup", [("breakeven", None, None, None)]),
    ("cs", "Uzavíráme polovinu pozice", [("close_partial", None, 50, None)]),
    ("cs", "Druhý cíl dosažen ✅", [("tp_hit", None, None, 2)]),
    ("cs", "Posuň SL na 29.20", [("move_sl", 29.20, None, None)]),
    ("cs", "Stop loss zasažen", [("sl_hit", None, None, None)]),
    ("cs", "Příkaz zrušen", [("cancel", None, None, None)]),
    ("cs", "Pozice uzavřena na 29.62", [("close", 29.62, None, None)]),
    ("el", "Μετακινήστε το στοπ στην είσοδο", [("breakeven", None, None, None)]),
    ("el", "Κλείνουμε το μισό της θέσης", [("close_partial", None, 50, None)]),
    ("el", "Δεύτερος στόχος πιάστηκε ✅", [("tp_hit", None, None, 2)]),
    ("el", "Μετακινήστε το SL στο 29.20", [("move_sl", 29.20, None, None)]),
    ("el", "Το στοπ χτυπήθηκε", [("sl_hit", None, None, None)]),
    ("el", "Ακύρωση εντολής", [("cancel", None, None, None)]),
    ("el", "Η θέση έκλεισε στα 29.62", [("close", 29.62, None, None)]),
    ("hu", "Stop a belépőre", [("breakeven", None, None, None)]),
    ("hu", "Zárjuk a pozíció felét", [("close_partial", None, 50, None)]),
    ("hu", "Második cél teljesült ✅", [("tp_hit", None, None, 2)]),
    ("hu", "Húzzuk a stopot 29.20-ra", [("move_sl", 29.20, None, None)]),
    ("hu", "Stop loss ütött", [("sl_hit", None, None, None)]),
    ("hu", "Megbízás törölve", [("cancel", None, None, None)]),
    ("hu", "Pozíció lezárva 29.62-n", [("close", 29.62, None, None)]),
    ("da", "Flyt stop til indgang", [("breakeven", None, None, None)]),
    ("da", "Luk halvdelen af positionen", [("close_partial", None, 50, None)]),
    ("da", "Andet mål er nået ✅", [("tp_hit", None, None, 2)]),
    ("da", "Flyt stop til 29.20", [("move_sl", 29.20, None, None)]),
    ("da", "Stop ramt", [("sl_hit", None, None, None)]),
    ("da", "Ordren er slettet", [("cancel", None, None, None)]),
    ("no", "Flytt stopp til inngang", [("breakeven", None, None, None)]),
    ("no", "Lukk halvparten av posisjonen", [("close_partial", None, 50, None)]),
    ("no", "Andre mål er nådd ✅", [("tp_hit", None, None, 2)]),
    ("no", "Flytt stoppen til 29.20", [("move_sl", 29.20, None, None)]),
    ("no", "Stopp truffet", [("sl_hit", None, None, None)]),
    ("no", "Ordren er slettet", [("cancel", None, None, None)]),
    ("fi", "Siirrä stop sisääntuloon", [("breakeven", None, None, None)]),
    ("fi", "Sulje puolet positiosta", [("close_partial", None, 50, None)]),
    ("fi", "Toinen tavoite saavutettu ✅", [("tp_hit", None, None, 2)]),
    ("fi", "Siirrä stop tasolle 29.20", [("move_sl", 29.20, None, None)]),
    ("fi", "Stop loss laukesi", [("sl_hit", None, None, None)]),
    ("fi", "Toimeksianto peruttu", [("cancel", None, None, None)]),
    ("fi", "Sulje kaikki kaupat", [("close", None, None, None)]),
    ("he", "הזיזו את הסטופ לכניסה", [("breakeven", None, None, None)]),
    ("he", "סגרו חצי מהפוזיציה", [("close_partial", None, 50, None)]),
    ("he", "היעד השני הושג", [("tp_hit", None, None, 2)]),
    ("he", "הזיזו את הסטופ ל 29.20", [("move_sl", 29.20, None, None)]),
    ("he", "הסטופ נלקח", [("sl_hit", None, None, None)]),
    ("he", "הפקודה מבוטלת", [("cancel", None, None, None)]),
    ("bn", "স্টপ লস এন্ট্রিতে", [("breakeven", None, None, None)]),
    ("bn", "অর্ধেক ক্লোজ করুন", [("close_partial", None, 50, None)]),
    ("bn", "টিপি 2 হিট ✅", [("tp_hit", None, None, 2)]),
    ("bn", "স্টপ লস হিট", [("sl_hit", None, None, None)]),
    ("bn", "সব ট্রেড ক্লোজ করুন", [("close", None, None, None)]),
]

NOISE = [
    # a past trade's close told under a headline that says when or recaps: a result
    ("en", "Recap: silver sell 29.40 closed at 28.90 +50 pips"),
    ("pt", "Ontem: compra na prata em 28.40, fechamos em 29.00 com +60 pips"),
    ("es", "Ayer: compra de plata en 28.40, cerramos en 29.00 con +60 pips"),
    ("ru", "Вчера: покупка серебра от 28.40, закрыли на 29.00 +60 пунктов"),
    ("zh", "昨天：白银多单28.40进场，29.00平仓"),
    # a side after a noun of the market's flow and "of" describes the market
    ("es", "Fuerte presión de compra en la plata sobre 28.40"),
    ("pt", "Forte pressão de venda na prata abaixo de 28.40"),
    ("it", "Forte pressione di acquisto sull'argento sopra 28.40"),
    # one character of a currency is no pair beside another word's character ("today" + "dollar")
    ("zh", "今日美元走强，白银承压"),
    # a close of a span of trading time is a result, no position closed
    ("en", "We closed the month with +900 pips"),
    ("pt", "Fechamos a semana com +300 pips"),
    ("es", "Cerramos el día con +45 pips"),
    ("fr", "On a fermé la semaine avec +300 pips"),
    ("de", "Wir schließen die Woche mit +300 Pips"),
    ("ru", "Закрыли неделю в плюс +300 пунктов"),
    ("it", "Chiudiamo la settimana con +300 pips"),
    ("es", "No compren oro ahora 2350, el mercado está muy volátil"),
    ("pt", "Resultado da semana: compra de ouro 2350 +120 pips"),
    ("fr", "Résultats de la semaine : achat de l'or 2350 +120 pips"),
    ("it", "Non comprate oro adesso 2350"),
    ("de", "Nicht kaufen! Gold 2350 ist zu teuer"),
    ("ru", "Не покупайте золото сейчас 2350"),
    ("uk", "Не купуйте золото зараз 2350"),
    ("tr", "Haftalık sonuçlar: altın alış 2350 +120 pip"),
    ("ar", "نتائج الأسبوع: شراء الذهب 2350 +120 نقطة"),
    ("fa", "نتایج هفته: خرید طلا 2350 +120 پیپ"),
    ("ur", "ہفتہ وار رزلٹ: سونا خرید 2350 +120 پپس"),
    ("hi", "आज का रिजल्ट: सोना खरीदें 2350 +120 पिप्स"),
    ("hi-latn", "Gold mat kharido abhi 2350"),
    ("id", "Jangan beli emas sekarang 2350"),
    ("ms", "Keputusan minggu ini: beli emas 2350 +120 pips"),
    ("vi", "Kết quả tuần: mua vàng 2350 +120 pips"),
    ("th", "อย่าซื้อทองคำตอนนี้ 2350"),
    ("zh", "不要追多黄金 2350"),
    ("zh-hant", "本週戰績：黃金買入 2345 +120點"),
    ("ja", "今週の収支：ゴールド買い 2345 +120pips"),
    ("ko", "주간 수익 결과: 골드 매수 2345 +120핍"),
    ("pl", "Nie kupujcie złota teraz 2350"),
    ("pl", "Wczorajszy sygnał: złoto kupno 2380 SL 2372 TP 2390 ✅"),
    ("nl", "Niet kopen nu, wachten op bevestiging"),
    ("nl", "Voorbeeld: koop EURUSD 1.0850 SL 1.0830 TP 1.0900"),
    ("nl", "Bijna TP2 geraakt"),
    ("sv", "Köp inte guld nu, vänta på bekräftelse"),
    ("sv", "Exempel: köp EURUSD 1.0850 SL 1.0830 TP 1.0900"),
    ("sv", "Nästan mål 2 nått"),
    ("ro", "Nu cumpărați aur acum, așteptăm confirmare"),
    ("ro", "Exemplu: cumpără EURUSD 1.0850 SL 1.0830 TP 1.0900"),
    ("ro", "Aproape TP2 atins"),
    ("cs", "Nekupujte zlato teď, čekáme na potvrzení"),
    ("cs", "Příklad: nákup EURUSD 1.0850 SL 1.0830 TP 1.0900"),
    ("cs", "Skoro TP2 dosažen"),
    ("el", "Μην αγοράσετε χρυσό τώρα, περιμένουμε επιβεβαίωση"),
    ("el", "Παράδειγμα: αγορά EURUSD 1.0850 SL 1.0830 TP 1.0900"),
    ("hu", "Ne vegyetek aranyat most, várjuk a megerősítést"),
    ("hu", "Például: vétel EURUSD 1.0850 SL 1.0830 TP 1.0900"),
    ("hu", "Majdnem TP2 teljesült"),
    ("da", "Køb ikke guld nu, vent på bekræftelse"),
    ("da", "Eksempel: køb EURUSD 1.0850 SL 1.0830 TP 1.0900"),
    ("no", "Ikke kjøp sølv nå, vent på bekreftelse"),
    ("no", "Eksempel: kjøp EURUSD 1.0850 SL 1.0830 TP 1.0900"),
    ("fi", "Älä osta hopeaa nyt, odota vahvistusta"),
    ("fi", "Esimerkiksi: osta EURUSD 1.0850 SL 1.0830 TP 1.0900"),
    ("he", "אל תקנו נפט עכשיו, חכו לאישור"),
    ("he", "לדוגמה: קנייה EURUSD 1.0850 סטופ 1.0830 יעד 1.0900"),
    ("bn", "এখন রুপা কিনবেন না, অপেক্ষা করুন"),
    ("bn", "উদাহরণ: বাই EURUSD 1.0850 SL 1.0830 TP 1.0900"),
]

# Readings that depend on the lexicon's word lists (negators, halves, percents written "%50").
NEEDS_CODE = [
    pytest.param("pt", "Não comprem ouro agora 2350", "noise", None),
    pytest.param("vi", "Đừng mua vàng lúc này 2350", "noise", None),
    pytest.param("tr", "Pozisyonun %50'sini kapatın", "update", ("close_partial", None, 50, None)),
    pytest.param("zh", "黄金平仓一半", "update", ("close_partial", None, 50, None)),
    pytest.param("es", "Cierren la mitad de la posición", "update", ("close_partial", None, 50, None),
                 id="es-half"),
    pytest.param("zh", "黄金2350附近买入 止损2340 止盈2370", "signal", ("XAUUSD", "buy", [2350], 2340, [2370]),
                 id="zh-near"),
    pytest.param("de", "Gold kaufen 2345 SL 2335 Ziele 2355 und 2365", "signal", ("XAUUSD", "buy", [2345], 2335, [2355, 2365]),
                 id="de-and"),
]


@pytest.fixture(scope="module")
def host():
    return Host()


def _languages_of(cases):
    return {case[0].split("-")[0] for case in cases}


def test_every_language_has_its_cases():
    for cases in (SIGNALS, UPDATES, NOISE):
        assert _languages_of(cases) >= set(LANGUAGES)
    for lang in LANGUAGES:
        assert sum(c[0].split("-")[0] == lang for c in SIGNALS) >= 2
        assert sum(c[0].split("-")[0] == lang for c in UPDATES) >= 3


@pytest.mark.parametrize("lang, text, symbol, direction, order_type, entry, stop, targets", SIGNALS)
def test_signals(host, lang, text, symbol, direction, order_type, entry, stop, targets):
    r = host.parse(text).result
    assert r.kind == "signal", (r.kind, r.warnings)
    assert (r.symbol, r.direction, r.order_type) == (symbol, direction, order_type)
    assert list(r.entry) == pytest.approx(sorted(entry))
    assert r.stop_loss == pytest.approx(stop)
    assert list(r.take_profits) == pytest.approx(targets)


@pytest.mark.parametrize("lang, text, actions", UPDATES)
def test_updates(host, lang, text, actions):
    r = host.parse(text).result
    assert r.kind == "update", (r.kind, r.warnings)
    got = [(a.type, a.price, a.percent, a.tp) for a in r.actions]
    assert got == [(t, None if p is None else float(p), None if c is None else float(c), n) for t, p, c, n in actions]


@pytest.mark.parametrize("lang, text", NOISE)
def test_noise(host, lang, text):
    r = host.parse(text).result
    assert r.kind == "noise", (r.kind, r.direction, r.entry)


@pytest.mark.parametrize("lang, text, kind, expected", NEEDS_CODE)
def test_readings_that_need_the_word_lists_in_code(host, lang, text, kind, expected):
    r = host.parse(text).result
    assert r.kind == kind
    if kind == "update":
        assert [(a.type, a.price, a.percent, a.tp) for a in r.actions] == [
            (expected[0], expected[1], None if expected[2] is None else float(expected[2]), expected[3])]
    elif kind == "signal":
        symbol, direction, entry, stop, targets = expected
        assert (r.symbol, r.direction, list(r.entry), r.stop_loss, list(r.take_profits)) == (
            symbol, direction, [float(e) for e in entry], float(stop), [float(t) for t in targets])


# --- the files and their loading ----------------------------------------------------------------------

SECTIONS = {"direction", "order_type", "labels", "updates", "noise", "words", "aliases"}


@pytest.mark.parametrize("text, symbol", [("Bili ginto 2380 SL 2372 TP 2395", "XAUUSD"),       # Tagalog
                                          ("Nunua dhahabu 2380 SL 2372 TP 2395", "XAUUSD"),    # Swahili
                                          ("Qızıl al 2380 SL 2372 TP 2395", "XAUUSD"),         # Azerbaijani
                                          ("Алтын сатып ал 2380 SL 2372 TP 2395", "XAUUSD"),   # Kazakh
                                          ("Pilak 29.40 SL 28.90 TP 29.90", "XAGUSD"),         # Tagalog
                                          ("Сребро 29.40 SL 28.90 TP 29.90", "XAGUSD")])       # Bulgarian, Serbian
def test_gold_and_silver_are_named_in_languages_without_a_file(host, text, symbol):
    # (the schema: "the word for gold in any language"; the side follows from the levels)
    r = host.parse(text).result
    assert r.kind == "signal" and r.symbol == symbol


@pytest.mark.parametrize("text, direction", [("Купи злато 2380, стоп 2372", "buy"), ("Продай EURUSD 1.0880 SL 1.0910 TP 1.0850", "sell")])
def test_the_russian_imperatives_buy_and_sell_are_sides(host, text, direction):
    r = host.parse(text).result
    assert (r.kind, r.direction) == ("signal", direction) and "direction inferred from the levels" not in r.warnings


@pytest.mark.parametrize("lang", LANGUAGES)
def test_language_file_shape(lang):
    path = LANG_DIR / f"{lang}.toml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ") and f"({lang})" in text.splitlines()[0]  # names its language and script
    table = tomllib.loads(text)
    assert SECTIONS <= set(table)
    assert table["direction"]["buy"] and table["direction"]["sell"]
    for label in ("entry", "stop_loss", "take_profit"):
        assert table["labels"][label], label
    for kind in ("breakeven", "close", "close_partial", "cancel", "tp_hit", "sl_hit"):
        assert table["updates"].get(kind), kind
        assert all(p.startswith("re:") for p in table["updates"][kind])
    assert table["aliases"]["XAUUSD"]


def test_load_tables_merges_every_language_and_its_aliases():
    assert set(LANGUAGES) <= set(languages())
    keywords = load_tables("keywords")
    symbols = load_tables("symbols")
    for lang in LANGUAGES:
        table = tomllib.loads((LANG_DIR / f"{lang}.toml").read_text(encoding="utf-8"))
        assert set(table["direction"]["buy"]) <= set(keywords["direction"]["buy"]), lang
        assert set(table["aliases"]["XAUUSD"]) <= set(symbols["aliases"]["XAUUSD"]), lang
        assert "aliases" not in keywords
    assert "words" not in symbols and "direction" not in symbols


def test_load_tables_restricted_to_languages_and_user_files_still_override(tmp_path):
    only_es = load_tables("keywords", languages=["es"])
    assert "compren" in only_es["direction"]["buy"]
    assert "купуйте" not in only_es["direction"]["buy"]
    assert "oro spot" in load_tables("symbols", languages=["es"])["aliases"]["XAUUSD"]
    assert "ゴールド" not in load_tables("symbols", languages=["es"])["aliases"]["XAUUSD"]
    assert "黃金" in load_tables("symbols", languages=["zh"])["aliases"]["XAUUSD"]
    user = tmp_path / "mine.toml"
    user.write_text('[direction]\nreplace = true\nbuy = ["zakupit"]\nsell = ["prodat"]\n', encoding="utf-8")
    assert load_tables("keywords", [user])["direction"] == {"buy": ["zakupit"], "sell": ["prodat"]}
    # a caller's changes to its copy reach no later caller
    load_tables("keywords")["direction"]["buy"].append("mutated")
    assert "mutated" not in load_tables("keywords")["direction"]["buy"]


def test_lexicon_word_lists_come_from_the_tables():
    lex = build_lexicon()
    assert isinstance(lex.pips_words, frozenset) and DEFAULT_PIPS <= lex.pips_words
    assert {"puntos", "пунктов", "pontos", "点", "pip"} <= lex.pips_words
    assert {"lote", "лот", "ロット"} <= lex.lot_words
    assert {"до", "hasta", "至", "-"} <= lex.range_separators
    assert NEGATORS <= lex.negators and {"não", "đừng", "อย่า"} <= lex.negators
    assert {"half", "mitad", "一半", "절반"} <= lex.half_words
    assert {"market", "mercado", "рынок", "marché"} <= lex.market_words
    assert {"above", "acima", "выше"} <= lex.above_words and {"below", "abaixo", "ниже"} <= lex.below_words
    assert lex.half_pattern.search("平仓一半") and lex.half_pattern.search("Close HALF now")
    assert not lex.half_pattern.search("halfway there")
    assert lex.lookup(phrase_key("paire")) == ("label", "symbol")
    only_en = build_lexicon(languages=[])
    assert "puntos" not in only_en.pips_words or "puntos" in DEFAULT_PIPS
    assert "통화" not in only_en.words and only_en.lookup(phrase_key("손절가")) is None
    assert build_lexicon().lookup(phrase_key("손절가")) == ("label", "stop_loss")


def test_user_word_lists_extend_the_lexicon(tmp_path):
    user = tmp_path / "words.toml"
    user.write_text('[words]\npips = ["ticks"]\nhalf = ["moiety"]\n', encoding="utf-8")
    lex = build_lexicon([user])
    assert "ticks" in lex.pips_words and lex.half_pattern.search("close the moiety")


# --- scripts without spaces, digits and full-width characters -------------------------------------------

def test_phrase_keys_split_unspaced_scripts_like_the_tokenizer():
    assert phrase_key("止损") == "止 损"
    assert phrase_key("ゴールド") == "ゴ ー ル ド"
    assert phrase_key("손절가") == "손 절 가"
    assert phrase_key("ซื้อ") == "ซ ื ้ อ"
    assert phrase_key("ＳＬ") == "sl"


def test_digits_and_full_width_punctuation_map_one_to_one():
    text = "ＳＬ：２３４０～５０ ５０٪ ๒๓๔๐ ৫০ ＠２３５０"
    out = normalize_text(text)
    assert len(out) == len(text)
    assert out == "SL:2340~50 50% 2340 50 @2350"


def test_full_width_message(host):
    r = host.parse("ＸＡＵＵＳＤ　ＢＵＹ　２３４５　ＳＬ：２３３５　ＴＰ：２３６０").result
    assert (r.kind, r.symbol, r.direction, list(r.entry), r.stop_loss, list(r.take_profits)) == (
        "signal", "XAUUSD", "buy", [2345.0], 2335.0, [2360.0])


def test_thai_digits_message(host):
    r = host.parse("ซื้อทองคำ ๒๓๔๕ ตัดขาดทุน ๒๓๓๕ ทำกำไร ๒๓๖๐").result
    assert (r.kind, r.symbol, r.direction, list(r.entry), r.stop_loss, list(r.take_profits)) == (
        "signal", "XAUUSD", "buy", [2345.0], 2335.0, [2360.0])


def test_words_of_gives_the_tails_of_glued_runs():
    build_lexicon()  # its pattern sets say where a pattern's word may start
    words = words_of("黄金平仓 sl")
    assert {"黄金平仓", "平仓", "sl"} <= words
    assert words_of("close all") == frozenset({"close", "all"})
    # Thai vowel and tone marks stay inside their word
    assert "ปิดสถานะ" in words_of("ปิดสถานะ")


def test_a_glued_chinese_update_pattern_still_runs(host):
    """The close pattern of "平仓" is indexed by its word: it must run when the word is glued
    after a symbol name."""
    r = host.parse("黄金平仓").result
    assert r.kind == "update" and [a.type for a in r.actions] == ["close"]
    assert r.symbol == "XAUUSD"


# --- a ticker typed in lower case -----------------------------------------------------------------

@pytest.mark.parametrize("text, symbol", [
    ("ordi 空 | 进场位置：31.5-32 | 止损：33.4 | 目标：29.8", "ORDI"),   # Chinese: a ticker in any case
    ("Jto  多\n入场 2.95-3.02\n止损 2.80\n目标 3.30", "JTO"),
    ("ordi ショート 31.5 損切り 33.4 利確 29.8", "ORDI"),             # Japanese
])
def test_a_ticker_in_lower_case_is_read_where_the_script_has_no_case(host, text, symbol):
    r = host.parse(text).result
    assert (r.kind, r.symbol) == ("signal", symbol), (r.kind, r.symbol, r.warnings)


def test_a_lower_case_word_is_no_ticker_in_a_message_written_with_case(host):
    r = host.parse("people buy 31.5 sl 30.2 tp 33").result
    assert r.symbol != "PEOPLE"


@pytest.mark.parametrize("text", [
    "ORDI 多 （4小时）\n入场 31.5-32\n止损 30.2\n目标 33.5",
    "ORDI 多 1-4小時\n進場 31.5-32\n止損 30.2\n目標 33.5",
    "ORDI 롱 4시간봉\n진입 31.5-32\n손절 30.2\n목표 33.5",
])
def test_a_time_frame_in_an_unspaced_script_is_no_price(host, text):
    r = host.parse(text).result
    assert r.kind == "signal" and list(r.entry) == [31.5, 32.0], (r.kind, r.entry, r.warnings)
    assert r.stop_loss == 30.2 and list(r.take_profits) == [33.5]


def test_a_number_before_a_word_that_is_no_time_unit_is_still_a_price(host):
    r = host.parse("ETH 多 3100分批进场 止损3050 目标3200").result  # 分批: "in batches", not minutes
    assert (r.kind, list(r.entry), r.stop_loss) == ("signal", [3100.0], 3050.0)


@pytest.mark.parametrize("text, symbol", [
    ("ZKJ\nEntry: 0.512\nSL: 0.488\nTP: 0.54 - 0.57", "ZKJ"),            # no side written: the levels say buy
    ("ZKJ 限价\n进场位置：0.512\n止损：0.488\n目标：0.54", "ZKJ"),
    ("🔥 GJ\nEntry 191.20\nSL 190.70\nTP 191.90", "GBPJPY"),              # a desk's shorthand
    ("ZKJ Entry: 0.512 SL: 0.488 TP: 0.54", "ZKJ"),                     # on one line, before the first label
])
def test_a_ticker_alone_on_the_first_line_names_the_symbol(host, text, symbol):
    r = host.parse(text).result
    assert (r.kind, r.symbol, r.direction) == ("signal", symbol, "buy"), (r.kind, r.symbol, r.warnings)


@pytest.mark.parametrize("text", [
    "ZKJ looks strong\nEntry: 0.512\nSL: 0.488\nTP: 0.54",   # other words on its line: prose
    "UPDATE\nEntry: 0.512\nSL: 0.488\nTP: 0.54",             # a heading word, no ticker
    "ZKJ looks strong, Entry: 0.512 SL: 0.488 TP: 0.54",      # one line, prose before the label
])
def test_a_word_that_does_not_head_the_message_alone_is_no_symbol(host, text):
    assert host.parse(text).result.symbol is None


def _phrasings(lang: str, words: list[str], positions: list[str], *, verb_first: bool) -> list[str]:
    """Each word with each position: the verb first ("Feche compra...") or the position first
    ("Compra... finalizada"); Chinese writes the position first and glues the word to it."""
    if lang == "zh":
        return [f"{p}{w}" for w in words for p in positions]
    return [f"{w} {p}" if verb_first else f"{p} {w}" for w in words for p in positions]


MANAGED = {
    "pt": (["Feche", "Encerre", "Saia da", "Realize lucro na", "Mantenha", "Proteja", "Reduza", "Mova o stop da", "Parcial na"],
           ["compra em prata", "venda do GBPUSD"]),
    "es": (["Cierra", "Salir de la", "Mantén", "Protege", "Reduce", "Toma ganancias en la", "Parcial en la"],
           ["compra de plata", "venta del GBPUSD"]),
    "ru": (["Закрываем", "Закрой", "Держим", "Сокращаем", "Фиксируем"], ["лонг по серебру", "шорт по GBPUSD"]),
    "zh": (["平仓", "止盈", "持有", "减仓"], ["白银多单", "以太坊空单"]),
}


@pytest.mark.parametrize("lang", sorted(MANAGED))
def test_an_instruction_on_a_named_position_is_never_a_new_call(host, lang):
    verbs, positions = MANAGED[lang]
    for text in _phrasings(lang, verbs, positions, verb_first=True):
        r = host.parse(text).result
        assert r.kind == "update" and r.actions, text
    # a position's holdings named in an ad is no instruction
    if lang == "zh":
        assert host.parse("#晒出我的持仓收益# 点击链接").result.kind == "noise"


REPORTS = {
    "pt": (["Compra em prata", "Venda do GBPUSD"], ["+60 pips 🔥", "finalizada ✅", "bateu todos os alvos"]),
    "es": (["Compra de plata", "Venta del GBPUSD"], ["+60 pips 🔥", "finalizada ✅", "tocó el stop", "alcanzó todos los objetivos"]),
    "ru": (["Лонг по серебру", "Шорт по GBPUSD"], ["первая цель ✅", "+60 пунктов 🔥", "активирован", "все цели взяты"]),
    "zh": (["白银多单", "以太坊空单"], ["止损", "盈利60点🔥", "已触发"]),
}


@pytest.mark.parametrize("lang", sorted(REPORTS))
def test_a_report_on_a_named_position_is_never_a_new_call(host, lang):
    reports, subjects = REPORTS[lang][1], REPORTS[lang][0]
    for text in _phrasings(lang, reports, subjects, verb_first=False):
        assert host.parse(text).result.kind != "signal", text
    # a call with its levels and a "+" elsewhere stays a call
    assert host.parse("GBPUSD BUY 1.2650 SL 1.2610 TP 1.2700 (+50 pips)").result.kind == "signal"


def test_calls_told_as_past_in_a_headline_are_no_new_calls_in_four_languages(host):
    for text in ("昨天的信号：黄金多单 2380 止损 2372 止盈 2390 ✅",
                 "Вчерашний сигнал: золото покупка 2380 стоп 2372 тейк 2390 ✅",
                 "Sinal de ontem: EURUSD venda 1.0880 stop 1.0910 alvo 1.0830 ✅",
                 "Señal de ayer: oro compra 2380 stop 2372 tp 2390 ✅"):
        assert host.parse(text).result.kind == "noise", text
    assert host.parse("黄金 多单 2380 止损 2372 止盈 2390").result.kind == "signal"


def test_a_call_under_an_example_headline_is_a_lesson_in_every_language(host):
    for text in ("Example: buy QZXUSD at 1.0850, SL 1.0830, TP 1.0900. This is how we manage risk.",
                 "For example, sell GBPUSD 1.2650 SL 1.2690 TP 1.2600",
                 "Ejemplo: compra EURUSD 1.0850 SL 1.0830 TP 1.0900",
                 "Пример: покупка EURUSD 1.0850 стоп 1.0830 тейк 1.0900",
                 "例如：黄金多单 2380 止损 2372 止盈 2390",
                 "z.B. Kauf EURUSD 1.0850 SL 1.0830 TP 1.0900",
                 "Na przykład: kupno EURUSD 1.0850 SL 1.0830 TP 1.0900"):
        assert host.parse(text).result.kind == "noise", text
    assert host.parse("EURUSD BUY 1.0850 SL 1.0830 TP 1.0900 (example of a clean setup)").result.kind == "signal"


@pytest.mark.parametrize("text", [
    "SL déplacé à 2385", "Stop remonté à 2385", "SL verschoben auf 2385", "SL spostato a 2385",
    "Стоп перенесен на 2385", "Стоп передвинули на 2385", "SL przesunięty na 2385", "Stop 2385'e çekildi",
    "Stop seviyesini 2385'e çekiyoruz", "SL dipindahkan ke 2385", "SL đã dời về 2385", "止损已移至2385"])
def test_a_stop_moved_told_after_the_stop_word_carries_its_price(host, text):
    r = host.parse(text).result
    assert (r.kind, [(a.type, a.price) for a in r.actions]) == ("update", [("move_sl", 2385.0)])


def test_the_half_named_before_the_close_verb_is_a_partial_close(host):
    for text in ("Половину закрыли, стоп в бу", "Половину зафиксировали"):
        r = host.parse(text).result
        assert (r.actions[0].type, r.actions[0].percent) == ("close_partial", 50.0), text


def test_at_before_a_price_is_the_entry_and_after_a_stop_or_target_label_stays_theirs(host):
    for text, entry, stop, targets in (
            ("Mua vàng tại 2380, cắt lỗ 2370, chốt lời 2390", (2380.0,), 2370.0, (2390.0,)),
            ("Bán EURUSD tại 1.0880 SL tại 1.0910 TP tại 1.0830", (1.088,), 1.091, (1.083,)),
            ("ขายทองคำที่ 2395 ตัดขาดทุนที่ 2405 ทำกำไรที่ 2385", (2395.0,), 2405.0, (2385.0,))):
        r = host.parse(text).result
        assert (r.entry, r.stop_loss, r.take_profits) == (entry, stop, targets), text


def test_a_target_in_place_is_hit_in_chinese(host):
    for text, tp in (("止盈1到位 +50点", 1), ("目标2已到位", 2)):
        r = host.parse(text).result
        assert [(a.type, a.tp) for a in r.actions] == [("tp_hit", tp)], text


def test_turkish_capital_dotted_i_reads_like_i(host):
    for text, kind in (("İptal", "cancel"), ("İPTAL EDİLDİ", "cancel"), ("İŞLEMİ KAPATIN", "close")):
        r = host.parse(text).result
        assert [a.type for a in r.actions] == [kind], text


def test_a_target_reached_in_arabic_without_our(host):
    for text, tp in (("وصل الهدف الثاني 🎯", 2), ("وصلت للهدف 2", 2)):
        r = host.parse(text).result
        assert [(a.type, a.tp) for a in r.actions] == [("tp_hit", tp)], text
    assert host.parse("وصل السعر إلى 2380").result.kind == "noise"


def test_activated_alone_is_the_pending_order_filled(host):
    for text in ("Activated ✅", "Triggered", "Filled ✅✅", "Активирован ✅", "Activada ✅", "Ativada"):
        r = host.parse(text).result
        assert (r.kind, [a.type for a in r.actions]) == ("update", ["other"]), text
    assert host.parse("Activated the new bot today, we will see").result.kind == "noise"


def test_staged_entries_after_the_side_are_the_calls_entries(host):
    for text, entry in (("QZXUSD buy ladder 2380 / 2375 / 2370 SL 2365 TP 2395", (2370.0, 2375.0, 2380.0)),
                        ("Золото покупка частями 2380 и 2375 стоп 2368 тейк 2395", (2375.0, 2380.0)),
                        ("Oro compra escalonada 2380 y 2375 stop 2368 tp 2395", (2375.0, 2380.0))):
        r = host.parse(text).result
        assert (r.kind, r.entry) == ("signal", entry), text


@pytest.mark.parametrize("text", ["Exit at 2395", "平仓于2395", "Clôturé à 2395", "Position fermée à 2395",
                                  "Geschlossen bei 2395", "أغلقنا الصفقة عند 2395", "بستیم روی 2395", "Tutup di 2395"])
def test_a_close_at_a_price_carries_it(host, text):
    r = host.parse(text).result
    assert [(a.type, a.price) for a in r.actions] == [("close", 2395.0)]


def test_a_number_further_on_in_an_unspaced_script_is_not_the_close_price(host):
    r = host.parse("可以先帶著利潤走，目前105500沒有被跌破").result
    assert [(a.type, a.price) for a in r.actions] == [("close", None)]


@pytest.mark.parametrize("text", ["Altın 2395'te kapattık", "2395te kapattım", "Altın 2395'de kapatalım",
                                  "XAUUSD 2395で決済しました", "골드 2395에서 청산합니다", "Gold 2395 pe band karo",
                                  "सोना 2395 पर बंद करें"])
def test_a_close_at_a_price_written_before_its_postposition_carries_it(host, text):
    # verb-final languages put "at" after the price and the price before the verb
    r = host.parse(text).result
    assert [(a.type, a.price) for a in r.actions] == [("close", 2395.0)], text


def test_a_number_before_a_close_without_a_postposition_is_not_its_price(host):
    for text in ("TP1 2395 kapattık", "XAUUSD 2395 決済しました"):
        r = host.parse(text).result
        assert [a.price for a in r.actions if a.type == "close"] == [None], text


def test_the_turkish_accusative_after_a_vowel_reads_the_stop_moved(host):
    r = host.parse("SL'yi 2385'e çekiyoruz").result
    assert [(a.type, a.price) for a in r.actions] == [("move_sl", 2385.0)]


@pytest.mark.parametrize("text", ["Remove SL on gold, let it run", "SL removed, hold", "Уберите стоп по золоту",
                                  "Стоп убрали, держим", "Quiten el SL del oro", "Tirem o stop do ouro"])
def test_removing_the_stop_is_management(host, text):
    r = host.parse(text).result
    assert (r.kind, [a.type for a in r.actions]) == ("update", ["other"]), text
    # a call that says what it will do with its stop later stays a call
    assert host.parse("Buy gold 2380, stop 2370, remove stop at TP1").result.kind == "signal"


@pytest.mark.parametrize("text", ["Order expired, not triggered", "Gold sell limit has expired", "Ордер истёк",
                                  "Orden expirada, no se activó", "Ordem expirada"])
def test_an_order_expired_is_cancelled(host, text):
    r = host.parse(text).result
    assert (r.kind, [a.type for a in r.actions]) == ("update", ["cancel"]), text
    assert host.parse("This offer expired yesterday, join VIP").result.kind == "noise"


def test_mongolian_gold_and_take_profit(host):
    r = host.parse("Алтан авах 2380 стоп 2370 тэйк 2400").result
    assert (r.kind, r.symbol, r.direction, r.entry, r.stop_loss, r.take_profits) == (
        "signal", "XAUUSD", "buy", (2380.0,), 2370.0, (2400.0,))


def test_persian_stop_taken_to_the_entry_or_a_price_with_the_verb_before_it(host):
    for text, actions in (("تارگت اول خورد ✅ استاپ رو ببرید نقطه ورود", [("tp_hit", None), ("breakeven", None)]),
                          ("استاپ رو ببرید 2385", [("move_sl", 2385.0)]),
                          ("حد ضرر را بگذارید روی نقطه ورود", [("breakeven", None)])):
        r = host.parse(text).result
        assert [(a.type, a.price) for a in r.actions] == actions, text


@pytest.mark.parametrize("text, actions", [
    ("黄金多单止损上移到2385", [("move_sl", 2385.0)]),  # a side before the stop moved: no stop hit, no new call
    ("空单可以先出一半", [("close_partial", None)]),
    ("目标二到位，剩余仓位继续持有", [("tp_hit", None), ("other", None)]),
    ("Удерживаем позицию", [("other", None)]),
    ("Estopados nessa, faz parte", [("sl_hit", None)]),
])
def test_management_in_chinese_russian_and_portuguese(host, text, actions):
    r = host.parse(text).result
    assert (r.kind, [(a.type, a.price) for a in r.actions]) == ("update", actions), text
    if text.startswith("目标二"):
        assert r.actions[0].tp == 2


@pytest.mark.parametrize("text, side", [
    ("GOLD Kaufzone 2375-2380 SL 2368 TP 2390", "buy"), ("GOLD Verkaufszone 2405-2410 SL 2416 TP 2395", "sell"),
    ("黄金 买入区间 2375-2380 止损 2368 止盈 2390", "buy"), ("QZXUSD SellStop 1.0850 SL 1.0880 TP 1.0800", "sell"),
])
def test_a_label_word_that_opens_with_a_side_gives_the_side(host, text, side):
    r = host.parse(text).result
    assert (r.kind, r.direction, r.warnings) == ("signal", side, ()), text
    assert len(r.entry) >= 1


def test_natural_gas_is_named():
    from signalos.normalize import default_symbols
    for raw in ("natural gas", "NATGAS", "#NaturalGas", "XNGUSD"):
        assert default_symbols().canonical(raw.lstrip("#")) == "NATURALGAS", raw


@pytest.mark.parametrize("text", [
    "Don't take gold sell now", "Never chase gold longs", "Avoid buying gold until further notice",
    "Avoid gold buys today", "Do not open EURUSD longs", "Refrain from selling gold",
    "Evite comprar oro ahora", "Evitem vender ouro hoje", "Evitate di comprare oro", "Stay away from selling gold",
])
def test_a_side_after_a_word_that_forbids_it_is_no_call(host, text):
    # the instrument's name between the negator and the side does not end the look back
    assert host.parse(text).result.kind == "noise", text


@pytest.mark.parametrize("text", [
    "Don't miss: Gold buy 2380 SL 2370 TP 2400", "Don't miss gold buy 2380 SL 2370 TP 2400",
    "Avoid FOMO. Gold buy 2380 SL 2370 TP 2400", "Avoid gold sells, buy 2380 SL 2370 TP 2400",
    "No te pierdas oro compra 2380 SL 2370 TP 2400", "Не пропустите золото покупка 2380 SL 2370 TP 2400",
])
def test_a_negator_that_urges_or_ends_before_the_side_leaves_the_call(host, text):
    r = host.parse(text).result
    assert (r.kind, r.direction, r.entry, r.stop_loss) == ("signal", "buy", (2380.0,), 2370.0), text


@pytest.mark.parametrize("text, symbol, entry", [
    ("Nifty buy 24400 SL 24300 TP 24600", "NIFTY", 24400.0),
    ("Bank Nifty 48000 PE buy above 210 SL 180 Target 250", "BANKNIFTY", 210.0),  # the option's premium
    ("Sensex buy 79500 sl 79200 tgt 80100", "SENSEX", 79500.0),
    ("cac40 buy 7.520 sl 7.480 tp 7.600", "FRA40", 7520.0),  # a dot for thousands on the index's scale
    ("Euro Stoxx 50 long 4950 stop 4920 target 5010", "EU50", 4950.0),
    ("ASX200 short 7,850 sl 7,880 tp 7,790", "AUS200", 7850.0),
    ("IBEX buy 11250 SL 11180 TP 11380", "ESP35", 11250.0),
])
def test_stock_indices_by_their_names(host, text, symbol, entry):
    r = host.parse(text).result
    assert (r.kind, r.symbol, r.entry[0]) == ("signal", symbol, entry), text


@pytest.mark.parametrize("text, symbol", [
    ("ACHAT OR 2380\nSL 2370\nTP 2400", "XAUUSD"), ("Or vente 2400 SL 2410 TP 2390", "XAUUSD"),
    ("achat or maintenant sl 2370 tp 2400", "XAUUSD"),
    # the English conjunction beside an English side is no instrument
    ("Buy or sell EURUSD 1.0850 SL 1.0820 TP 1.0900", "EURUSD"),
])
def test_french_gold_beside_a_french_side(host, text, symbol):
    assert host.parse(text).result.symbol == symbol, text


@pytest.mark.parametrize("text, symbol", [
    ("Kupuj rope 78.50 SL 77.80 TP 79.90", "USOIL"),  # Polish "ropę" without its diacritic, beside a Polish side
    ("Gold: climbing the rope, buy 2380 SL 2370 TP 2400", "XAUUSD"),  # the English word
])
def test_polish_oil_without_its_diacritic_beside_a_polish_side(host, text, symbol):
    assert host.parse(text).result.symbol == symbol, text


@pytest.mark.parametrize("text, percent", [
    ("Profit book karo", None), ("Half profit book kar lo", 50.0), ("Фиксируем прибыль", None),
    ("Chốt lời một nửa", 50.0),
])
def test_profit_taken_with_the_object_before_the_verb_or_a_word_between(host, text, percent):
    r = host.parse(text).result
    assert [(a.type, a.percent) for a in r.actions] == [("close_partial", percent)], text


@pytest.mark.parametrize("text", [
    "Oro compra 2380, 50 pips en ganancia", "Ouro venda 2400, 40 pips no lucro", "Золото покупка 2380, в плюсе 50 пунктов",
    "Or achat 2380, 50 pips en profit", "Gold Kauf 2380, 50 Pips im Plus", "Oro acquisto 2380, 50 pips in profitto",
    "Altın alış 2380, 50 pip kârda",
])
def test_an_open_positions_standing_in_other_languages_is_no_call(host, text):
    assert host.parse(text).result.kind == "noise", text


@pytest.mark.parametrize("text", ["Si el oro rompe 2400 podríamos comprar", "Se o ouro romper 2400, compramos"])
def test_a_condition_on_the_named_instrument_in_spanish_and_portuguese_is_no_call(host, text):
    assert host.parse(text).result.kind == "noise", text
    # a complete call keeps its own condition for later
    r = host.parse("Oro compra 2380 SL 2370 TP 2400, si el precio rompe 2400 cerramos").result
    assert r.kind == "signal"


@pytest.mark.parametrize("text", [
    "Gold könnte auf 2400 steigen, Kauf möglich", "Jika emas tembus 2400 kita beli", "Nếu vàng phá 2400 chúng ta mua",
    "ถ้าทองทะลุ 2400 เราจะซื้อ", "금이 2400을 돌파하면 매수", "ゴールドが2400を超えたら買い",
])
def test_a_condition_on_the_instrument_in_more_languages_is_no_call(host, text):
    assert host.parse(text).result.kind == "noise", text


@pytest.mark.parametrize("text", ["지금 금 매수 금지", "今はゴールドの買いは控えてください"])
def test_a_side_forbidden_by_a_negator_after_it_is_no_call(host, text):
    # Korean and Japanese put the prohibition after the verb: the tables' negation holds the side
    assert host.parse(text).result.kind == "noise", text


@pytest.mark.parametrize("text, tp", [
    ("Segundo alvo atingido ✅", 2), ("Primeiro alvo do ouro batido", 1), ("Segundo objetivo cumplido", 2),
    ("Primer objetivo del oro alcanzado", 1), ("Zweites Ziel erreicht ✅", 2), ("Erstes Ziel bei Gold erreicht", 1),
    ("İkinci hedef geldi", 2), ("Altın ilk hedef geldi", 1), ("Secondo obiettivo raggiunto", 2),
    ("Deuxième objectif atteint", 2), ("Вторая цель по золоту достигнута", 2), ("Первый тейк по EURUSD взят", 1),
    ("Тейк 1 по золоту достигнут", 1), ("تارگت اول طلا خورد", 1), ("تارگت دوم یورو دلار هم خورد ✅", 2),
])
def test_a_target_named_by_its_rank_in_words_and_reported_hit_keeps_its_rank(host, text, tp):
    # the rank is a word of the language ([words] ordinals), and the instrument may stand between
    r = host.parse(text).result
    assert r.kind == "update" and [(a.type, a.tp) for a in r.actions] == [("tp_hit", tp)], text


@pytest.mark.parametrize("text", [
    "Segundo alvo ainda não atingido", "Segundo objetivo todavía no alcanzado", "Zweites Ziel noch nicht erreicht",
    "Secondo target non ancora raggiunto", "Deuxième objectif pas encore atteint", "Вторая цель ещё не достигнута",
    "Тейк 1 пока не достигнут", "تارگت اول هنوز خورد نشده",
])
def test_a_target_not_yet_reached_is_no_hit(host, text):
    assert host.parse(text).result.kind == "noise", text


@pytest.mark.parametrize("text", [
    "¡Otra operación ganadora! Oro compra de 2380 a 2400 💰", "Mais uma operação vencedora! Ouro compra de 2380 até 2400 💰",
    "Ещё одна прибыльная сделка! Золото покупка с 2380 до 2400 💰", "Encore un trade gagnant ! Or achat de 2380 à 2400 💰",
    "Wieder ein Gewinn-Trade! Gold Kauf von 2380 bis 2400 💰", "Bir kazançlı işlem daha! Altın alış 2380'den 2400'e 💰",
    "又一单盈利！黄金买入 2380 到 2400 💰", "یک معامله سودده دیگر! خرید طلا از 2380 تا 2400 💰",
])
def test_a_trade_told_as_a_win_in_other_languages_is_a_result(host, text):
    assert host.parse(text).result.kind == "noise", text


@pytest.mark.parametrize("text, entry, stop, targets", [
    ("黄金2380-2376多，损2370，盈2390", [2376, 2380], 2370, [2390]), ("黄金 空 2395 损 2405 盈 2385", [2395], 2405, [2385]),
    # "看" (looks to) stays no label: after "if it breaks" it is the other side's way
    ("ETH 3000附近多(跌破看2900)\n目标:3100\n止损:2950", [3000], 2950, [3100]),
])
def test_chinese_levels_labelled_by_one_character(host, text, entry, stop, targets):
    r = host.parse(text).result
    assert (list(r.entry), r.stop_loss, list(r.take_profits)) == (entry, stop, targets), text
    assert host.parse("黄金今天亏损50点").result.kind == "noise"  # 亏损, a loss, is no stop's label


@pytest.mark.parametrize("text", ["Stop no 0x0", "Realizar parcial e colocar stop no 0x0"])
def test_zero_to_zero_written_in_digits_is_breakeven_in_portuguese(host, text):
    assert "breakeven" in [a.type for a in host.parse(text).result.actions], text


@pytest.mark.parametrize("text, side", [("EURUSD شراء الآن، وقف 30 نقطة، هدف 60 نقطة", "buy"),
                                        ("ذهب بيع الآن 2395 وقف الخسارة 2405 الهدف 2385", "sell"),
                                        ("Gold becho abhi 2395 SL 2405 TP 2385", "sell")])
def test_arabic_buy_now_is_a_market_order(host, text, side):
    # ("شراء الآن" was one direction keyword, which swallowed the "now" of a market order)
    r = host.parse(text).result
    assert (r.direction, r.order_type) == (side, "market"), text


@pytest.mark.parametrize("tail, leverage", [("杠杆10倍", 10), ("10倍杠杆", 10), ("5-10倍", 10)])
def test_chinese_times_after_a_number_is_leverage(host, tail, leverage):
    # ("10倍" was no leverage, and "10倍杠杆" or "5-10倍" added a target 62010 or 62005 from the shorthand)
    r = host.parse(f"比特币 多 60000 止损 59000 止盈 62000 {tail}").result
    assert (r.leverage, list(r.take_profits)) == (leverage, [62000]), tail


_SHORTHANDS = tomllib.loads((LANG_DIR.parent / "symbols.toml").read_text(encoding="utf-8"))["shorthands"]


@pytest.mark.parametrize("shorthand, symbol", sorted(_SHORTHANDS.items()))
def test_every_desk_shorthand_opening_a_call_names_its_pair_whatever_the_languages_words(host, shorthand, symbol):
    # "NU" (NZDUSD) is Dutch and Swedish "nu" (now), a market word; "EJ" Swedish "not"
    levels = "2380 sl 2372 tp 2395" if symbol == "XAUUSD" else \
        "150.50 sl 149.50 tp 152.00" if symbol.endswith("JPY") else "1.2050 sl 1.2010 tp 1.2110"
    r = host.parse(f"{shorthand} buy {levels}").result
    assert (r.kind, r.symbol, r.direction, r.order_type) == ("signal", symbol, "buy", None)
