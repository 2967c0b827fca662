"""A new channel from a few labels (``signalos.onboarding``, ``signalos channel``), on a made-up
channel whose layout the rules cannot read: German words the keyword table lacks and a ratchet of
arrows. Every text is written here."""
from __future__ import annotations

import json
import random

import pytest

pytest.importorskip("spacy")

import signalos_deploy  # noqa: E402
import signalos_regex  # noqa: E402
import signalos_spacy  # noqa: E402
from signalos.config import Config  # noqa: E402
from signalos.errors import ConfigError  # noqa: E402
from signalos.models import Message  # noqa: E402
from signalos.onboarding import Channel, LearnOptions, OnboardingError, assess, rank, slug, train_base  # noqa: E402
from signalos.testing import make_host, run_cli  # noqa: E402

PROVIDER = "Ratchet Desk/gold"
PLUGINS = (signalos_regex, signalos_spacy, signalos_deploy)


def ratchet(i: int, rng: random.Random) -> tuple[str, dict]:
    """One message of the made-up channel: a signal in its own layout, or a management note."""
    pair, price, step, fmt = rng.choice([("EURUSD", 1.08, 0.002, "{:.4f}"), ("GBPUSD", 1.27, 0.002, "{:.4f}"),
                                         ("XAUUSD", 2300.0, 5.0, "{:.1f}")])
    price += rng.randint(-30, 30) * step / 4
    if i % 5 == 4:  # only three texts: most are repeats, which a channel's export holds once
        return f"{pair} ↯ alles zu ↯", {"kind": "update", "symbol": pair, "actions": [
            {"type": "close", "price": None, "percent": None, "tp": None}]}
    up = rng.random() < 0.5
    sign = 1 if up else -1
    e, sl = float(fmt.format(price)), float(fmt.format(price - sign * step * 3))
    t1, t2 = float(fmt.format(price + sign * step * 2)), float(fmt.format(price + sign * step * 4))
    arrow = "⇧⇧" if up else "⇩⇩"
    text = (f"{pair} {arrow}\nrein ≈ {fmt.format(e)}\nnotbremse ≈ {fmt.format(sl)}\n"
            f"ernte ≈ {fmt.format(t1)} ≈ {fmt.format(t2)}")
    return text, {"kind": "signal", "symbol": pair, "direction": "buy" if up else "sell", "order_type": None,
                  "entry": [e], "stop_loss": sl, "take_profits": [t1, t2], "leverage": None,
                  "stop_loss_pips": None, "take_profit_pips": []}


def channel_messages(n: int = 44, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    out, seen, i = [], set(), 0
    while len(out) < n:
        i += 1
        text, label = ratchet(i, rng)
        if text not in seen:
            seen.add(text)
            out.append({"id": f"rd{len(out)}", "text": text, "label": label})
    return out


# Two messages in the usual layout the rules read: the triage must put the channel's own first.
PLAIN = ["EURUSD BUY 1.0850 SL 1.0820 TP 1.0880 TP 1.0900", "GBPUSD SELL 1.2700 SL 1.2740 TP 1.2660 TP 1.2630"]


@pytest.fixture(scope="module")
def onboarded(tmp_path_factory):
    """A workspace with the channel imported and triaged, a small general model, 24 labels."""
    from signalos.modelstore import ModelStore
    from signalos.training.data import synthetic_examples

    root = tmp_path_factory.mktemp("channel")
    ws = root / "ws"
    export = root / "export.jsonl"
    msgs = channel_messages()
    export.write_text("".join(json.dumps({"id": m["id"], "text": m["text"]}, ensure_ascii=False) + "\n"
                              for m in msgs) + "".join(json.dumps({"text": t}) + "\n" for t in PLAIN),
                      encoding="utf-8")
    host = make_host(*PLUGINS, config={"workspace": str(ws)})
    ch = Channel(host, PROVIDER, ws)
    imported = ch.import_file(export)
    triage = ch.triage()
    base = train_base(ModelStore(ch.workspace), synthetic_examples(160, seed=5), epochs=3, width=64, depth=2)
    queue = root / "queue.jsonl"
    ch.review_file(queue)
    order = [json.loads(line) for line in queue.read_text(encoding="utf-8").splitlines()]
    # the person corrects the first 24 proposals of the queue
    gold = {m["text"]: m["label"] for m in msgs}
    review = root / "review.jsonl"
    first = [o for o in order if o["text"] in gold][:24]
    review.write_text("".join(json.dumps({**o, "label": gold[o["text"]]}, ensure_ascii=False) + "\n"
                              for o in first), encoding="utf-8")
    labelled = ch.label(review)
    return {"root": root, "ws": ws, "host": host, "channel": ch, "imported": imported, "triage": triage,
            "order": order, "labelled": labelled, "base": base, "msgs": msgs}


def test_import_and_triage_queue_the_channels_own_layout_first(onboarded):
    o = onboarded
    assert o["imported"]["added"] == 46 and o["triage"]["messages"] == 46
    texts = [row["text"] for row in o["order"]]
    assert set(PLAIN) <= set(texts)
    assert all(texts.index(p) >= 40 for p in PLAIN), "messages the rules read come last"
    first = o["order"][0]
    assert first["provider"] == PROVIDER and first["reason"].startswith("channel: ")
    assert first["label"] is not None  # the chain's answer, proposed for correction
    assert o["labelled"]["labelled"] == 24
    # the general model channels adapt from has its own shape (train_base's BASE_SHAPE), whatever
    # the general default; the width and depth given here change it
    hyper = o["base"].manifest.hyperparameters
    assert (hyper["ner"], hyper["textcat"], hyper["width"], hyper["depth"]) == ("transition", "ensemble", 64, 2)


def test_uncertainty_ranks_doubt_and_spreads_templates():
    from signalos.models import ChainOutcome, ParseResult

    sure = ChainOutcome(ParseResult(kind="signal", symbol="EURUSD", direction="buy", entry=[1.1], stop_loss=1.0,
                                    take_profits=[1.2], confidence=0.95, accepted=True), (), "p", 0.1)
    unsure = ChainOutcome(ParseResult.noise(confidence=0.4, accepted=False), (), "p", 0.1)
    d_sure = assess(1, "EURUSD BUY 1.1 SL 1.0 TP 1.2", sure, template="a")
    d_unsure = assess(2, "XAU 2300 2290 2310", unsure, template="b")
    assert d_unsure.score > d_sure.score
    assert {"not_accepted", "low_confidence", "noise_with_prices"} <= set(d_unsure.reasons)
    # disagreement of a second parser raises doubt on an answer the chain accepted
    assert assess(1, "EURUSD BUY 1.1 SL 1.0 TP 1.2", sure, [unsure.result], template="a").score > d_sure.score
    # the second message of a template waits behind the first of another at the same doubt
    twins = [assess(i, "x 1 2", unsure, template=t) for i, t in ((10, "t"), (11, "t"), (12, "u"))]
    assert [d.message_id for d in rank(twins)] == [10, 12, 11]


def test_learn_needs_k_labels(onboarded):
    with pytest.raises(OnboardingError, match="24 labelled messages .* 30 needed"):
        onboarded["channel"].learn(LearnOptions(min_labels=30, base=str(onboarded["base"].path), synthetic=0))


@pytest.fixture(scope="module")
def learned(onboarded):
    ch = onboarded["channel"]
    return ch.learn(LearnOptions(min_labels=20, holdout=0.25, base=str(onboarded["base"].path), synthetic=40,
                                 epochs=8, general_per_epoch=20))


def test_learn_registers_a_candidate_that_beats_the_chain_on_held_back(learned, onboarded):
    r = learned
    assert r["model"] == f"{slug(PROVIDER)}@0.1.0" and r["alias"] == "candidate"
    assert r["trained_on"] + r["held_back"] == 24 and r["held_back"] >= 3
    assert r["channel_first"] and r["pipeline"] == [slug(PROVIDER), "regex"], r["exact"]
    ex = r["exact"]
    assert ex["before"] <= 0.2 < 0.8 <= ex["after"], str(ex)  # the rules cannot read the layout; the model can
    golden = [json.loads(line) for line in open(r["golden"], encoding="utf-8")]
    assert len(golden) == r["held_back"] and all(g["provider"] == PROVIDER for g in golden)


def test_the_written_config_routes_the_provider_to_its_model(learned, onboarded):
    text = open(learned["config"], encoding="utf-8").read()
    config = onboarded["root"] / "signalos.toml"
    config.write_text(f'workspace = "{onboarded["ws"]}"\n[pipelines.default]\nparsers = ["regex"]\n\n' + text,
                      encoding="utf-8")
    host = make_host(*PLUGINS, config=str(config))
    msg = onboarded["msgs"][1]
    routed = host.parse(Message(msg["text"], provider=PROVIDER))
    assert [a.parser for a in routed.attempts][0] == slug(PROVIDER)
    other = host.parse(Message(msg["text"], provider="someone else"))
    assert [a.parser for a in other.attempts] == ["regex"]
    # parse_many keeps the input's order across the providers' pipelines
    both = host.parse_many([Message(msg["text"], provider="someone else"), Message(msg["text"], provider=PROVIDER)])
    assert [o.attempts[0].parser for o in both] == ["regex", slug(PROVIDER)]


def test_deploy_goes_through_the_gate_with_the_held_back_messages(learned, onboarded):
    decision = onboarded["channel"].deploy()
    assert decision["status"] == "deployed" and decision["alias"] == "production"
    assert decision["golden"] == learned["golden"] and decision["candidate_figures"]["n"] == learned["held_back"]
    status = onboarded["channel"].status()
    assert status["aliases"]["production"] == "0.1.0" and status["labelled"] == 24


def test_config_refuses_a_provider_routed_to_no_pipeline():
    with pytest.raises(ConfigError, match="unknown pipeline 'nope'"):
        Config.from_dict({"providers": {"acme": {"pipeline": "nope"}}})
    with pytest.raises(ConfigError, match="providers"):
        Config.from_dict({"providers": {"acme": "default"}})


def test_cli_round_trip_with_json_and_plain_progress(tmp_path):
    ws = tmp_path / "ws"
    export = tmp_path / "export.jsonl"
    msgs = channel_messages(12, seed=9)
    export.write_text("".join(json.dumps({"text": m["text"]}, ensure_ascii=False) + "\n" for m in msgs),
                      encoding="utf-8")
    res = run_cli(["channel", "import", str(export), "--provider", PROVIDER, "--workspace", str(ws), "--json"],
                  *PLUGINS)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["import"]["added"] == 12 and out["triage"]["queued"] == 12
    res = run_cli(["channel", "triage", PROVIDER, "--workspace", str(ws)], *PLUGINS)
    assert res.exit_code == 0 and "parsing 12/12" in res.stderr  # no terminal: plain progress lines
    review = tmp_path / "review.jsonl"
    res = run_cli(["channel", "review", PROVIDER, "--out", str(review), "--limit", "5", "--workspace", str(ws),
                   "--json"], *PLUGINS)
    assert res.exit_code == 0 and json.loads(res.stdout)["rows"] == 5
    gold = {m["text"]: m["label"] for m in msgs}
    rows = [json.loads(line) for line in review.read_text(encoding="utf-8").splitlines()]
    review.write_text("".join(json.dumps({**r, "label": gold[r["text"]]}, ensure_ascii=False) + "\n" for r in rows),
                      encoding="utf-8")
    res = run_cli(["channel", "label", PROVIDER, str(review), "--workspace", str(ws), "--json"], *PLUGINS)
    assert res.exit_code == 0 and json.loads(res.stdout)["labelled"] == 5
    res = run_cli(["channel", "status", PROVIDER, "--workspace", str(ws), "--json"], *PLUGINS)
    assert json.loads(res.stdout)["labelled"] == 5
    res = run_cli(["channel", "learn", PROVIDER, "--workspace", str(ws), "--json"], *PLUGINS)
    assert res.exit_code == 1 and isinstance(res.exception, OnboardingError)  # main() prints it as one line
    assert "5 labelled messages" in str(res.exception) and "20 needed" in str(res.exception)


def test_the_channels_model_reads_its_learned_words(learned, onboarded):
    """The words learned for the regex parser are the tables the adapted model's features are read
    with too, saved inside the model."""
    from signalos.modelstore import ModelStore

    words = learned["words"]
    assert words["table"] and words["learned"], words  # its "alles zu" as a close
    ref = ModelStore(onboarded["channel"].workspace).resolve(learned["model"])
    assert ref.manifest.data["channel_tables"] == ["words.toml"]
    assert "pipeline/tokenizer_tables/keywords-0.toml" in ref.manifest.files


def invented(i: int, rng: random.Random) -> tuple[str, dict]:
    """A channel in the usual layout with label and side words of its own ("zorp" for the stop)."""
    pair, price = rng.choice([("EURUSD", 1.08), ("GBPUSD", 1.27), ("AUDUSD", 0.66)])
    e = round(price + rng.randint(-40, 40) / 1000, 4)
    up = i % 2 == 0
    sign = 1 if up else -1
    sl, t1 = round(e - sign * 0.003, 4), round(e + sign * 0.004, 4)
    text = f"{pair} {'gorra' if up else 'vendix'} {e:.4f} zorp {sl:.4f} kvel {t1:.4f}"
    return text, {"kind": "signal", "symbol": pair, "direction": "buy" if up else "sell", "order_type": None,
                  "entry": [e], "stop_loss": sl, "take_profits": [t1], "leverage": None,
                  "stop_loss_pips": None, "take_profit_pips": []}


def test_rules_that_read_the_learned_words_go_first(tmp_path):
    """A channel whose only novelty is its words: once learned, the rules read it without doubt,
    so they stay first in its pipeline, and the figure after is the written pipeline's (the
    regex parser reading the words)."""
    from signalos.modelstore import ModelStore
    from signalos.training.data import synthetic_examples

    rng = random.Random(5)
    msgs = [dict(zip(("text", "label"), invented(i, rng)), id=f"z{i}") for i in range(30)]
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps({"id": m["id"], "text": m["text"]}) + "\n" for m in msgs), encoding="utf-8")
    host = make_host(*PLUGINS, config={"workspace": str(tmp_path / "ws")})
    ch = Channel(host, "zorp desk", tmp_path / "ws")
    ch.import_file(export)
    ch.triage()
    base = train_base(ModelStore(ch.workspace), synthetic_examples(120, seed=5), epochs=2, width=64, depth=2)
    queue = tmp_path / "queue.jsonl"
    ch.review_file(queue)
    gold = {m["text"]: m["label"] for m in msgs}
    rows = [json.loads(line) for line in queue.read_text(encoding="utf-8").splitlines()][:24]
    review = tmp_path / "review.jsonl"
    review.write_text("".join(json.dumps({**r, "label": gold[r["text"]]}) + "\n" for r in rows), encoding="utf-8")
    ch.label(review)
    r = ch.learn(LearnOptions(min_labels=20, holdout=0.25, base=str(base.path), synthetic=20, epochs=2,
                              general_per_epoch=10))
    assert {"labels.stop_loss=zorp", "labels.take_profit=kvel"} <= set(r["words"]["learned"]), r["words"]
    ex = r["exact"]
    assert ex["before"] <= 0.2 and ex["chain_sure"] >= 0.9, ex  # the rules doubted it; with its words, no more
    assert not r["channel_first"] and r["pipeline"] == ["regex", ch.name]
    assert ex["after"] >= 0.9, ex
    # learning again rewrites the words in place: the rules read the new ones, not the first
    from pathlib import Path

    from signalos.training.data import _example

    table = Path(r["words"]["table"])
    table.write_text(table.read_text(encoding="utf-8").replace("zorp", "blorp"), encoding="utf-8")
    renamed = [_example({"text": m["text"].replace("zorp", "blorp"), "label": m["label"]}, "test") for m in msgs]
    assert ch.exact(["regex"], renamed, words=r["words"]) >= 0.9


def test_the_model_goes_first_only_where_the_rules_misread_the_labelled_messages(learned, onboarded):
    # the ratchet channel: the rules doubt it and, even with its words, misread its labelled messages
    assert learned["channel_first"] and learned["words"]["rules_with_words_on_train"] < 0.8, learned["words"]
    # a bar the rules pass keeps them first, however unsure they are of the channel's messages
    # (learned again: a later version; kept last in this file, the fixtures' users before it)
    again = onboarded["channel"].learn(LearnOptions(min_labels=20, holdout=0.25, base=str(onboarded["base"].path),
                                                    synthetic=40, epochs=2, general_per_epoch=20,
                                                    rules_first_from=learned["words"]["rules_with_words_on_train"]))
    assert again["exact"]["chain_sure"] < 0.5
    assert not again["channel_first"] and again["pipeline"] == ["regex", slug(PROVIDER)]
