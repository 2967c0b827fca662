"""The update and noise templates of the synthetic generator, by language.

An update template is ``(text, actions)``: ``text`` may hold ``{sym}``, ``{price}``, ``{n}`` (a
target number) and ``{pct}``; each action is ``(type, has_price, percent, tp)`` where ``percent``
is ``"pct"``, a number or None and ``tp`` is ``"n"``, a number or None, so the label is exactly what
the text says (SCHEMA.md, kind = "update"). Noise templates are plain text with the same fields.
Only phrases that the keyword table's update and noise patterns know are used.
"""
from __future__ import annotations

P = True  # the action carries the template's {price}

UPDATES: dict[str, list[tuple[str, tuple[tuple, ...]]]] = {
    "en": [
        ("Move SL to BE", (("breakeven", False, None, None),)),
        ("{sym} move stop loss to entry", (("breakeven", False, None, None),)),
        ("SL to breakeven now ✅", (("breakeven", False, None, None),)),
        ("Risk free now 🔒", (("breakeven", False, None, None),)),
        ("Move SL to {price}", (("move_sl", P, None, None),)),
        ("{sym} adjust stop loss to {price}", (("move_sl", P, None, None),)),
        ("{sym} new SL {price}", (("move_sl", P, None, None),)),
        ("Change TP{n} to {price}", (("modify_tp", P, None, "n"),)),
        ("{sym} new TP: {price}", (("modify_tp", P, None, None),)),
        ("Close all {sym} now", (("close", False, None, None),)),
        ("Close all positions", (("close", False, None, None),)),
        ("Exit now ⚠️", (("close", False, None, None),)),
        ("Close half now", (("close_partial", False, 50, None),)),
        ("Close {pct}% of {sym} now", (("close_partial", False, "pct", None),)),
        ("Secure some profits on {sym} 💰", (("close_partial", False, None, None),)),
        ("Cancel {sym} limit order", (("cancel", False, None, None),)),
        ("Delete the {sym} pending order", (("cancel", False, None, None),)),
        ("{sym} don't enter, setup is void", (("cancel", False, None, None),)),
        ("TP{n} hit ✅", (("tp_hit", False, None, "n"),)),
        ("{sym} TP{n} reached 🎯", (("tp_hit", False, None, "n"),)),
        ("Target {n} done ✅ +{pips} pips", (("tp_hit", False, None, "n"),)),
        ("Stopped out on {sym} ❌", (("sl_hit", False, None, None),)),
        ("{sym} SL hit", (("sl_hit", False, None, None),)),
        ("Re-enter {sym} here", (("other", False, None, None),)),
        ("Add more buys on {sym}", (("other", False, None, None),)),
        ("Stay patient, hold the position", (("other", False, None, None),)),
        ("TP{n} hit ✅ move SL to BE", (("tp_hit", False, None, "n"), ("breakeven", False, None, None))),
        ("{sym} close half and move SL to entry", (("close_partial", False, 50, None), ("breakeven", False, None, None))),
    ],
    "ru": [
        ("Стоп в б/у", (("breakeven", False, None, None),)),
        ("{sym} стоп в безубыток", (("breakeven", False, None, None),)),
        ("Стоп переносим на {price}", (("move_sl", P, None, None),)),
        ("{sym} закрываем позицию", (("close", False, None, None),)),
        ("Зафиксировать половину по {sym}", (("close_partial", False, 50, None),)),
        ("Отмена {sym}", (("cancel", False, None, None),)),
        ("Тейк {n} взят ✅", (("tp_hit", False, None, "n"),)),
        ("{sym} стоп выбило", (("sl_hit", False, None, None),)),
        ("Перезаходим по {sym}", (("other", False, None, None),)),
    ],
    "fa": [
        ("ریسک فری کنید", (("breakeven", False, None, None),)),
        ("{sym} ببندید", (("close", False, None, None),)),
        ("سیگنال {sym} لغو شد", (("cancel", False, None, None),)),
        ("تی پی {n} خورد ✅", (("tp_hit", False, None, "n"),)),
        ("{sym} استاپ خورد", (("sl_hit", False, None, None),)),
    ],
    "es": [
        ("{sym} operación sin riesgo", (("breakeven", False, None, None),)),
        ("Mueve el SL a {price}", (("move_sl", P, None, None),)),
        ("Cerrar todo en {sym}", (("close", False, None, None),)),
        ("Cancelar orden {sym}", (("cancel", False, None, None),)),
        ("Objetivo {n} alcanzado ✅", (("tp_hit", False, None, "n"),)),
    ],
    "pt": [
        ("Mova o SL para {price}", (("move_sl", P, None, None),)),
        ("Cancelar ordem {sym}", (("cancel", False, None, None),)),
        ("Alvo {n} atingido ✅", (("tp_hit", False, None, "n"),)),
    ],
    "tr": [
        ("{sym} iptal", (("cancel", False, None, None),)),
        ("Hedef {n} ✅", (("tp_hit", False, None, "n"),)),
    ],
    "de": [
        ("{sym} Order stornieren", (("cancel", False, None, None),)),
        ("Ziel {n} erreicht ✅", (("tp_hit", False, None, "n"),)),
    ],
    "fr": [
        ("Déplacez le SL à {price}", (("move_sl", P, None, None),)),
        ("Annulez l'ordre {sym}", (("cancel", False, None, None),)),
        ("Objectif {n} atteint ✅", (("tp_hit", False, None, "n"),)),
    ],
    "it": [
        ("Sposta lo SL a {price}", (("move_sl", P, None, None),)),
        ("Annullare {sym}", (("cancel", False, None, None),)),
        ("Obiettivo {n} raggiunto ✅", (("tp_hit", False, None, "n"),)),
    ],
    "id": [
        ("Geser SL ke {price}", (("move_sl", P, None, None),)),
        ("Tutup semua {sym}", (("close", False, None, None),)),
        ("Batalkan order {sym}", (("cancel", False, None, None),)),
        ("TP{n} tercapai ✅", (("tp_hit", False, None, "n"),)),
    ],
    "vi": [
        ("Dời SL về {price}", (("move_sl", P, None, None),)),
        ("Đóng lệnh {sym}", (("close", False, None, None),)),
        ("Hủy lệnh {sym}", (("cancel", False, None, None),)),
        ("TP{n} đạt ✅", (("tp_hit", False, None, "n"),)),
    ],
    "hi": [
        ("{sym} band karo", (("close", False, None, None),)),
        ("{sym} cancel karo", (("cancel", False, None, None),)),
        ("TP{n} hit ✅ bhai log", (("tp_hit", False, None, "n"),)),
    ],
    "zh": [
        ("{sym} 平仓", (("close", False, None, None),)),
        ("{sym} 取消挂单", (("cancel", False, None, None),)),
        ("TP{n} ✅", (("tp_hit", False, None, "n"),)),
    ],
}

NOISE: dict[str, list[str]] = {
    "en": [
        "Good morning traders! ☀️", "Join our VIP channel 👉 https://t.me/example_vip",
        "Subscribe for free signals, DM me for the VIP group", "Weekly results: +{pips} pips 💰💰",
        "Today's profit +{pips} pips, great week everyone", "Do not buy {sym} now, wait for confirmation",
        "If {sym} closes above {price} we may buy", "Waiting for {sym} to reach {price} before selling",
        "Is {sym} going up today?", "Who is ready for NFP? 🔥", "Market is closed for the holiday",
        "What do you think about {sym}?", "Accuracy this month 87% ✅", "{sym} is ranging today, no trade",
        "Don't sell {sym} here, support is strong",
    ],
    "ru": ["Доброе утро всем!", "Не покупайте {sym} сейчас", "Если {sym} пробьёт {price}, будем покупать",
           "Как вам сегодняшний рынок?", "Рынок сегодня закрыт"],
    "fa": ["سلام دوستان، امروز بازار تعطیل است", "{sym} نخرید", "اگر {sym} بالای {price} بسته شود خرید می‌کنیم",
           "نظرتون درباره {sym} چیه؟"],
    "ar": ["صباح الخير للجميع", "ما رأيكم في {sym}؟", "نتائج الأسبوع: +{pips} نقطة 💰"],
    "es": ["¡Buenos días traders!", "No compres {sym} ahora", "Si el precio rompe {price} buscamos compras",
           "¿Alguien opera hoy?"],
    "pt": ["Bom dia traders!", "Quem vai operar hoje?", "Alguém operando {sym} hoje?", "Resultado da semana: +{pips} pontos 💰"],
    "tr": ["Günaydın arkadaşlar!", "Bugün piyasa kapalı mı?", "{sym} hakkında ne düşünüyorsunuz?", "Haftalık sonuç: +{pips} pips 💰"],
    "de": ["Guten Morgen zusammen!", "Wenn {sym} über {price} steigt, kaufen wir", "Wer handelt heute?", "Was denkt ihr über {sym}?"],
    "fr": ["Bonjour à tous !", "Qui trade aujourd'hui ?", "Que pensez-vous de {sym} ?", "Résultats de la semaine : +{pips} pips 💰"],
    "it": ["Buongiorno a tutti!", "Chi fa trading oggi?", "Cosa ne pensate di {sym}?", "Risultati della settimana: +{pips} pips 💰"],
    "id": ["Selamat pagi semua!", "Siapa yang trading hari ini?", "Bagaimana pendapat kalian tentang {sym}?"],
    "vi": ["Chào buổi sáng mọi người!", "Hôm nay ai giao dịch không?", "Mọi người nghĩ sao về {sym}?"],
    "hi": ["Good morning dosto!", "Aaj market kaisa lag raha hai?", "{sym} kaisa lag raha hai aaj?"],
    "zh": ["大家早上好！", "今天谁在交易？", "大家怎么看{sym}？", "本周收益 +{pips} 点 💰"],
}
