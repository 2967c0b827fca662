"""The built-in evaluators on a corpus whose every figure is known by hand (tests/eval_support.py)."""
from __future__ import annotations

import pytest

import eval_support as fx
import signalos_eval
from signalos.errors import UnknownComponentError
from signalos.evaluation import DEFAULT_EVALUATORS, evaluate_labelled, load_labelled
from signalos.evaluation.scoring import Tolerance
from signalos.hookspecs import hookimpl


@pytest.fixture
def host(signalos_host):
    return signalos_host(fx, signalos_eval)


@pytest.fixture
def labelled(tmp_path):
    return fx.write_labelled(tmp_path / "labelled.jsonl")


def evaluate(host, path, **kw):
    kw.setdefault("chain", "fixture-oracle")
    return evaluate_labelled(host, path, store=False, **kw)


def test_the_builtins_are_registered_by_their_plugin(host):
    assert set(DEFAULT_EVALUATORS) <= set(host.evaluators.names())
    assert {e.plugin for e in host.evaluators if e.name in DEFAULT_EVALUATORS} == {"signalos_eval"}


def test_exact_match_with_an_interval(host, labelled):
    out = evaluate(host, labelled)
    em = out["evaluators"]["exact-match"]
    assert em["n"] == 12 and em["correct"] == len(fx.EXACT_IDS)
    assert em["exact_match"] == out["summary"]["exact_match"] == round(4 / 12, 4)
    lo, hi = em["ci"]
    assert 0 <= lo < em["exact_match"] < hi <= 1
    assert evaluate(host, labelled)["evaluators"]["exact-match"]["ci"] == em["ci"]  # seeded


def test_uncertain_rows_are_skipped_unless_kept(host, labelled):
    assert evaluate(host, labelled)["data"]["skipped_uncertain"] == 1
    kept = evaluate(host, labelled, keep_uncertain=True)
    assert kept["summary"]["n"] == 13 and kept["evaluators"]["exact-match"]["correct"] == 4


def test_fields_count_correct_incorrect_missed_spurious(host, labelled):
    fields = evaluate(host, labelled)["evaluators"]["fields"]["fields"]
    tp = fields["take_profits"]
    # right: s1 s2 s5; wrong: s3 (a target lost) s7; missed: s4 (parsed as noise); spurious: n2
    assert (tp["correct"], tp["incorrect"], tp["missed"], tp["spurious"]) == (3, 2, 1, 1)
    assert tp["precision"] == tp["recall"] == tp["f1"] == 0.5
    sl = fields["stop_loss"]
    # right: s1 s2 s3; s5 off by a pip, s7 wrong; s4 missed; s6 and n2 predicted where none is labelled
    assert (sl["correct"], sl["incorrect"], sl["missed"], sl["spurious"]) == (3, 2, 1, 2)
    assert fields["symbol"]["correct"] == 6 and fields["symbol"]["missed"] == 1  # BTC = BTCUSDT
    assert "leverage" in fields and "order_type" in fields
    assert fields["order_type"]["correct"] == 1 and fields["order_type"]["missed"] == 1


def test_target_lists_in_order_and_by_alignment(signalos_host, tmp_path):
    from signalos_eval.fields import aligned_matches

    tol = Tolerance()
    assert aligned_matches([1, 2, 3], [2, 3], tol, None, in_order=True) == 0
    assert aligned_matches([1, 2, 3], [2, 3], tol, None, in_order=False) == 2
    assert aligned_matches([1, 2, 3], [1, 9, 3], tol, None, in_order=True) == 2


def test_pip_tolerance_from_the_run_and_from_options(signalos_host, labelled):
    host = signalos_host(fx, signalos_eval)
    out = evaluate(host, labelled, tolerance=Tolerance(pips=1))
    assert out["evaluators"]["exact-match"]["correct"] == 5  # s5's stop is one JPY pip off
    cfg = {"evaluators": {"exact-match": {"pips": 1}}}
    host = signalos_host(fx, signalos_eval, config=cfg)
    out = evaluate(host, labelled)
    assert out["evaluators"]["exact-match"]["correct"] == 5 and out["summary"]["exact_match"] == round(4 / 12, 4)


def test_kinds_matrix_and_update_actions(host, labelled):
    k = evaluate(host, labelled)["evaluators"]["kinds"]
    assert k["matrix"]["signal"] == {"signal": 6, "update": 0, "noise": 1}
    assert k["matrix"]["update"] == {"signal": 0, "update": 2, "noise": 1}
    assert k["matrix"]["noise"] == {"signal": 1, "update": 0, "noise": 1}
    assert k["accuracy"] == 0.75
    u = k["updates"]
    assert u["n"] == 3 and u["action_types_accuracy"] == round(1 / 3, 4)
    assert u["per_type"]["move_sl"] == {"support": 1, "correct": 0, "missed": 1, "spurious": 0,
                                        "precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_error_categories_with_examples(host, labelled):
    e = evaluate(host, labelled)["evaluators"]["errors"]
    cats = e["categories"]
    assert e["failures"] == 12 - len(fx.EXACT_IDS)
    assert cats["wrong_kind"]["count"] == 3  # s4, u3, n2
    assert {x["id"] for x in cats["wrong_kind"]["examples"]} <= {"s4", "u3", "n2"}
    assert cats["missing_target"]["examples"][0]["id"] == "s3"
    assert cats["side_violation"]["examples"][0]["id"] == "s7"
    assert cats["spurious_field"]["examples"][0]["id"] == "s6"
    assert cats["missing_action"]["examples"][0]["detail"] == "move_sl"
    assert {f["id"] for f in e["failed"]} == {r["id"] for r in fx.rows() if not r["uncertain"]} - fx.EXACT_IDS


def test_slices_by_provider_language_and_kind(host, labelled):
    s = evaluate(host, labelled)["evaluators"]["slices"]["slices"]
    alpha = next(r for r in s["provider"] if r["value"] == "alpha")
    assert alpha["n"] == 6 and alpha["correct"] == 3  # s1 u1 n1 right of s1 s3 u1 u3 n1 s7
    assert {r["value"]: r["n"] for r in s["language"]} == {"en": 10, "ru": 1, "es": 1}
    assert {r["value"]: r["n"] for r in s["kind"]} == {"signal": 7, "update": 3, "noise": 2}


def test_latency_figures(host, labelled):
    lat = evaluate(host, labelled)["evaluators"]["latency"]
    assert lat["n"] == 12
    assert sum(lat["histogram"]["counts"]) == 12
    assert lat["per_parser"]["fixture-oracle"]["attempts"] == 12


def test_latency_figures_from_known_latencies():
    # the figures computed from latencies given, not measured: no clock decides this test
    from types import SimpleNamespace

    from signalos_eval.diagnostics import LatencyEvaluator
    attempt = SimpleNamespace(parser="p", elapsed_ms=1.0, accepted=True, error=None)
    items = [SimpleNamespace(latency_ms=float(ms), attempts=[attempt]) for ms in range(1, 101)]
    lat = LatencyEvaluator(None, {"bins": 10}).evaluate(SimpleNamespace(items=items, wall_s=2.0))
    assert (lat["p50_ms"], lat["p95_ms"], lat["p99_ms"], lat["max_ms"]) == (50.5, 95.05, 99.01, 100.0)
    assert lat["mean_ms"] == 50.5 and lat["parse_s"] == 5.05
    assert lat["throughput_per_s"] == 50.0  # 100 messages over the run's 2 s of wall time
    assert sum(lat["histogram"]["counts"]) == 100 and len(lat["histogram"]["counts"]) == 10
    assert lat["per_parser"]["p"]["attempts"] == 100 and lat["per_parser"]["p"]["accepted"] == 100


def test_compare_two_chains(host, labelled):
    out = evaluate(host, labelled, compare="fixture-perfect")
    c = out["comparison"]
    assert c["a"] == "fixture-oracle" and c["b"] == "fixture-perfect"
    m = c["exact_match"]["mcnemar"]
    assert (m["only_a"], m["only_b"]) == (0, 8) and m["p_value"] == pytest.approx(2 * 0.5 ** 8, abs=1e-6)
    assert c["exact_match"]["b"] == 1.0 and c["exact_match"]["delta"] == round(1 - 4 / 12, 4)
    lo, hi = c["exact_match"]["delta_ci"]
    assert 0 < lo <= c["exact_match"]["delta"] <= hi
    assert c["fields"]["take_profits"]["f1_b"] == 1.0 and c["fields"]["take_profits"]["f1_delta"] == 0.5
    assert c["disagreements"]["count"] == 8
    assert {d["id"] for d in c["disagreements"]["examples"]} == {r["id"] for r in fx.rows()
                                                                  if not r["uncertain"]} - fx.EXACT_IDS


def test_bad_lines_are_reported_and_the_rest_evaluated(host, tmp_path):
    path = fx.write_labelled(tmp_path / "bad.jsonl", bad=True)
    data = load_labelled(path)
    assert [(p.line, p.id) for p in data.problems] == [(3, None), (6, "bad-schema")]
    assert "invalid JSON" in data.problems[0].error and "breaks the schema" in data.problems[1].error
    out = evaluate(host, path)
    assert out["summary"]["n"] == 12 and len(out["data"]["problems"]) == 2


class _Broken:
    name = "broken-eval"

    @hookimpl
    def register_evaluators(self, register, host):
        class Boom:
            def __init__(self, host, options):
                pass

            def evaluate(self, run):
                raise RuntimeError("kaput")

        register("boom", Boom)


def test_a_failing_evaluator_is_reported_and_the_others_run(signalos_host, labelled):
    host = signalos_host(fx, signalos_eval, _Broken())
    out = evaluate(host, labelled, evaluators=["boom", "exact-match"])
    assert "kaput" in out["evaluators"]["boom"]["error"] and "broken-eval" in out["evaluators"]["boom"]["error"]
    assert out["evaluators"]["exact-match"]["correct"] == 4


def test_an_unknown_evaluator_lists_the_known_ones(host, labelled):
    with pytest.raises(UnknownComponentError, match="available: .*exact-match"):
        evaluate(host, labelled, evaluators=["nope"])


def test_a_third_party_evaluator_gets_its_options(signalos_host, labelled):
    host = signalos_host(fx, signalos_eval, config={"evaluators": {"my-eval": {"flag": "on"}}})
    out = evaluate(host, labelled, evaluators=["my-eval"])
    assert out["evaluators"] == {"my-eval": {"messages": 12, "labelled_signals": 7, "flag": "on"}}
    assert out["summary"]["exact_match"] == round(4 / 12, 4)  # the summary is always there


def test_odd_predictions_are_judged_not_crashed_on(host, tmp_path):
    from signalos.evaluation import run_from_predictions, run_evaluators

    data = load_labelled(fx.write_labelled(tmp_path / "l.jsonl"))
    odd = [{"kind": "signal", "symbol": 5, "direction": "buy", "entry": "abc", "stop_loss": "x",
            "take_profits": 1.2, "actions": 3}, {"kind": "weird"}, {"kind": "update", "actions": {"type": "close"}},
           "not an object", None]
    preds = [odd[i % len(odd)] for i in range(len(data.rows) + 1)]
    run = run_from_predictions("odd", data, preds)
    out = run_evaluators(host, run, list(DEFAULT_EVALUATORS))
    assert all("error" not in v for v in out.values()), out
    assert out["kinds"]["matrix"]["noise"]["none"] >= 1  # an unknown kind counts as no kind
