"""Reading an experiment: counts from the workspace, the tests, the decision and the promotion.

``evaluate`` is read-only. ``check`` is what a scheduler (or ``signalos ab status``) runs every
hour: it evaluates, records the look (the always-valid p-value only falls from look to look) and,
when the experiment allows it, promotes the winner through the deployer.
"""
from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from signalos import abstats
from signalos.errors import SignalosError
from signalos.evaluation.stats import percentiles
from signalos_ab.experiments import Experiment, ExperimentError, load, now, update

if TYPE_CHECKING:
    from signalos.host import Host

# The latest outcome of each parse (a correction after a success wins), found through the index
# on outcomes(parse_uid): joining a window-function subquery instead makes SQLite rescan it for
# every parse, quadratic in the size of the experiment.
_LATEST_JOIN = "LEFT JOIN outcomes o ON o.id = (SELECT max(id) FROM outcomes WHERE parse_uid = p.parse_uid)"


def gather(db, exp: Experiment) -> dict[str, Any]:
    """Per variant: exposed units, parses, outcomes, successes, warned parses, latencies; and in
    shadow mode the paired verdicts of each message."""
    silence = exp.settings.outcome_policy == "silence-is-success"
    roles = ("served", "shadow") if exp.mode == "shadow" else ("served",)
    per: dict[str, dict[str, Any]] = {v.name: {"units": 0, "parses": 0, "outcomes": 0, "successes": 0, "warned": 0,
                                               "latencies": []} for v in exp.variants}
    params = {"e": exp.name, **{f"r{i}": r for i, r in enumerate(roles)}}
    sql = f"""
SELECT p.variant, p.latency_ms, p.warnings IS NOT NULL AS warned, o.success, p.request_uid
FROM parse_log p {_LATEST_JOIN}
WHERE p.experiment = :e AND p.role IN ({", ".join(f":r{i}" for i in range(len(roles)))})"""
    pairs: dict[str, dict[str, int | None]] = defaultdict(dict)
    for variant, latency, warned, success, request_uid in db.execute(sql, params):
        if variant not in per:
            continue
        d = per[variant]
        d["parses"] += 1
        d["warned"] += int(warned)
        if latency is not None:
            d["latencies"].append(latency)
        if success is None and silence:
            success = 1
        if success is not None:
            d["outcomes"] += 1
            d["successes"] += int(success)
        if exp.mode == "shadow":
            pairs[request_uid][variant] = success
    for variant, units in db.execute("SELECT variant, count(*) FROM assignments WHERE experiment = ? AND exposed = 1 "
                                     "GROUP BY variant", [exp.name]):
        if variant in per:
            per[variant]["units"] = units
    return {"variants": per, "pairs": pairs}


def _previous(db, name: str) -> dict[str, float]:
    rows = list(db.query("SELECT counts FROM experiment_looks WHERE experiment = ? ORDER BY id DESC LIMIT 1", [name]))
    if not rows:
        return {}
    return json.loads(rows[0]["counts"]).get("always_valid_p", {})


def evaluate(db, exp: Experiment, *, previous: dict[str, float] | None = None) -> dict[str, Any]:
    """Every figure of an experiment and its decision (see ``decide``)."""
    s = exp.settings
    data = gather(db, exp)
    per = data["variants"]
    control = exp.control
    treatments = [v.name for v in exp.variants if v.name != control]
    alpha = s.alpha / len(treatments)  # Bonferroni over the comparisons with the control
    previous = previous if previous is not None else _previous(db, exp.name)
    variants_out = {}
    for name, d in per.items():
        lat = percentiles(d["latencies"], (50, 95)) if d["latencies"] else {}
        variants_out[name] = {
            "target": exp.variant(name).target, "weight": exp.variant(name).weight, "units": d["units"],
            "parses": d["parses"], "outcomes": d["outcomes"], "successes": d["successes"],
            "success_rate": round(d["successes"] / d["outcomes"], 6) if d["outcomes"] else None,
            "warning_rate": round(d["warned"] / d["parses"], 6) if d["parses"] else None,
            "latency_p50_ms": lat.get("p50_ms"), "latency_p95_ms": lat.get("p95_ms"),
        }
    if exp.mode == "shadow":
        srm = {"applicable": False, "note": "shadow mode: every exposed message is parsed by both variants"}
    else:
        srm = abstats.srm_check([per[v.name]["units"] for v in exp.variants], exp.weights)
    c = per[control]
    # The base rate of the sample-size estimate: configured, else the control's once it has
    # enough outcomes to mean something, else a neutral 50 %.
    if s.base_rate is not None:
        base = s.base_rate
    else:
        base = c["successes"] / c["outcomes"] if c["outcomes"] >= s.min_outcomes else 0.5
    comparisons = {}
    for t in treatments:
        d = per[t]
        comp = abstats.compare_proportions(c["successes"], c["outcomes"], d["successes"], d["outcomes"])
        if exp.mode == "shadow":
            only_a = sum(1 for p in data["pairs"].values() if p.get(control) == 1 and p.get(t) == 0)
            only_b = sum(1 for p in data["pairs"].values() if p.get(control) == 0 and p.get(t) == 1)
            n_pairs = sum(1 for p in data["pairs"].values() if p.get(control) is not None and p.get(t) is not None)
            comp["paired"] = {"pairs": n_pairs, **abstats.mcnemar(only_a, only_b)}
            seq = abstats.msprt_paired(only_a, only_b, n_pairs, tau=s.mixing_tau, alpha=alpha,
                                       previous_p=previous.get(t, 1.0))
        else:
            seq = abstats.msprt_proportions(c["successes"], c["outcomes"], d["successes"], d["outcomes"],
                                            tau=s.mixing_tau, alpha=alpha, previous_p=previous.get(t, 1.0))
        comp["sequential"] = seq
        comp["latency"] = abstats.mann_whitney(c["latencies"], d["latencies"])
        comp["guardrails"] = guardrails(c, d, comp["latency"], s)
        comparisons[t] = comp
    power = abstats.min_sample_size(min(max(base, 0.01), 0.99 - s.mde) if s.mde > 0 else base, s.mde,
                                    alpha=alpha, power=s.power)
    report = {
        "experiment": exp.to_dict(), "at": now(), "alpha": s.alpha, "alpha_per_comparison": alpha,
        "variants": variants_out, "srm": srm, "comparisons": comparisons,
        "sample_size": {**power, "base_rate": round(base, 4), "mde": s.mde,
                        "note": "per arm, for a fixed-horizon test; the sequential rule may stop earlier"},
    }
    report["decision"] = decide(exp, report)
    return report


def guardrails(c: dict[str, Any], d: dict[str, Any], latency: dict[str, Any], s) -> dict[str, Any]:
    """Whether the treatment ``d`` keeps latency and validation warnings within the limits."""
    out: dict[str, Any] = {}
    if latency.get("u") is not None:
        # Slower only counts past the relative margin and an absolute floor (microseconds of
        # jitter are not a regression); for the median also only when Mann-Whitney sees it.
        limit, floor = 1 + s.max_latency_increase, s.latency_floor_ms
        a50, b50, a95, b95 = latency["median_a"], latency["median_b"], latency["p95_a"], latency["p95_b"]
        slower_median = b50 > a50 * limit and b50 - a50 > floor and latency["p_value"] < 0.05
        slower_tail = b95 > a95 * limit and b95 - a95 > floor
        out["latency"] = {"ok": not (slower_median or slower_tail), "median_ratio": _ratio(b50, a50),
                          "p95_ratio": _ratio(b95, a95), "max_increase": s.max_latency_increase,
                          "floor_ms": floor, "mann_whitney_p": latency["p_value"]}
    else:
        out["latency"] = {"ok": True, "note": "no latencies"}
    wa = c["warned"] / c["parses"] if c["parses"] else 0.0
    wb = d["warned"] / d["parses"] if d["parses"] else 0.0
    out["warnings"] = {"ok": wb - wa <= s.max_warning_increase + 1e-12, "rate_a": round(wa, 6),
                       "rate_b": round(wb, 6), "max_increase": s.max_warning_increase}
    out["ok"] = out["latency"]["ok"] and out["warnings"]["ok"]
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 4) if a is not None and b else None


def decide(exp: Experiment, report: dict[str, Any]) -> dict[str, Any]:
    """The verdict: ``invalid`` (sample-ratio mismatch), ``collecting`` (too few outcomes or not
    significant yet), ``control`` (every significant difference favours the control) or
    ``winner`` with the best significant treatment; ``promote`` is true only for a winner whose
    guardrails hold."""
    s = exp.settings
    if report["srm"].get("flagged"):
        return {"state": "invalid", "winner": None, "promote": False,
                "reason": f"sample-ratio mismatch (p = {report['srm']['p_value']:.2g} < {report['srm']['threshold']}): "
                          "the assignment or the logging is broken; fix it and start a new experiment"}
    n_control = report["variants"][exp.control]["outcomes"]
    best, best_diff, worse = None, 0.0, []
    for t, comp in report["comparisons"].items():
        n = report["variants"][t]["outcomes"]
        if min(n, n_control) < s.min_outcomes or not comp["sequential"]["significant"]:
            continue
        diff = comp["paired"]["only_b"] - comp["paired"]["only_a"] if exp.mode == "shadow" else comp["difference"]
        if diff > 0 and (best is None or diff > best_diff):
            best, best_diff = t, diff
        elif diff < 0:
            worse.append(t)
    if best is None:
        if worse and len(worse) == len(report["comparisons"]):
            return {"state": "control", "winner": exp.control, "promote": False,
                    "reason": f"the control is significantly better than {', '.join(worse)}"}
        low = min(v["outcomes"] for v in report["variants"].values())
        why = (f"fewer than {s.min_outcomes} outcomes in a variant ({low})" if low < s.min_outcomes
               else "no significant difference yet (always-valid p-value above alpha)")
        return {"state": "collecting", "winner": None, "promote": False, "reason": why}
    guards = report["comparisons"][best]["guardrails"]
    if not guards["ok"]:
        failed = [k for k in ("latency", "warnings") if not guards[k]["ok"]]
        return {"state": "winner", "winner": best, "promote": False,
                "reason": f"{best} wins on success rate but fails the {' and '.join(failed)} guardrail"}
    p = report["comparisons"][best]["sequential"]["p_value"]
    return {"state": "winner", "winner": best, "promote": True,
            "reason": f"{best} is significantly better than {exp.control} (always-valid p = {p:.2g}) "
                      "and its guardrails hold"}


def check(host: Host, db, name: str, *, record: bool = True, auto_promote: bool | None = None,
          workspace: Any = None) -> dict[str, Any]:
    """Evaluate a running experiment, record the look and promote the winner when allowed
    (``auto_promote`` overrides the experiment's setting)."""
    exp = load(db, name)
    report = evaluate(db, exp)
    if record and exp.status == "running":
        counts = {v: {"outcomes": d["outcomes"], "successes": d["successes"], "units": d["units"]}
                  for v, d in report["variants"].items()}
        avp = {t: c["sequential"]["p_value"] for t, c in report["comparisons"].items()}
        worst = min(avp.values()) if avp else 1.0
        lam = max((c["sequential"]["log_lambda"] for c in report["comparisons"].values()), default=0.0)
        with db.conn:
            db["experiment_looks"].insert({
                "experiment": name, "at": report["at"], "counts": json.dumps({"variants": counts, "always_valid_p": avp}),
                "log_lambda": lam, "p_value": worst, "significant": int(report["decision"]["state"] == "winner"),
                "decision": json.dumps(report["decision"]),
            })
        report["looks"] = db.execute("SELECT count(*) FROM experiment_looks WHERE experiment = ?", [name]).fetchone()[0]
    allowed = exp.settings.auto_promote if auto_promote is None else auto_promote
    if allowed and exp.status == "running" and report["decision"]["promote"]:
        report["promotion"] = promote(host, db, name, report=report, actor="ab-auto", workspace=workspace)
    return report


def model_of(host: Host, target: str) -> tuple[str, str] | None:
    """The registry model and version a variant serves: the first ``component@version`` of its
    chain (the model's name is the component's ``name`` option, else the component's name)."""
    from signalos.modelstore import _SEMVER  # one definition of a version

    if target in host.config.pipelines:
        parsers = list(host.config.pipeline(target).parsers)
    else:
        parsers = [p.strip() for p in target.split(",") if p.strip()]
    for spec in parsers:
        component, _, ref = spec.partition("@")
        if ref and _SEMVER.match(ref):
            return host.config.options("parsers", component).get("name", component), ref
    return None


def promote(host: Host, db, name: str, *, variant: str | None = None, force: bool = False,
            report: dict[str, Any] | None = None, reason: str = "", actor: str | None = None,
            workspace: Any = None) -> dict[str, Any]:
    """Promote an experiment's winner (or ``variant``). A model version goes through the
    deployer's promotion gate (``signalos_deploy``); a pipeline cannot be deployed, so its
    promotion is recorded and the answer says which ``default_pipeline`` to configure. Refused
    unless the decision allows it, or ``force``."""
    exp = load(db, name)
    if exp.status == "promoted":
        raise ExperimentError(f"experiment {name!r} was already promoted ({exp.winner})")
    report = report or evaluate(db, exp)
    decision = report["decision"]
    chosen = variant or decision.get("winner")
    if chosen is None:
        raise ExperimentError(f"experiment {name!r} has no winner yet: {decision['reason']}; "
                              "name a --variant and add --force to promote anyway")
    exp.variant(chosen)
    if not force and not (decision["promote"] and decision["winner"] == chosen):
        raise ExperimentError(f"not promoting {chosen!r}: {decision['reason']} (add --force to override)")
    why = reason or f"ab {name}: {decision['reason']}"
    target = exp.variant(chosen).target
    model = model_of(host, target)
    if model is None:
        promotion = {"variant": chosen, "target": target, "deployed": False, "kind": "pipeline", "at": now(),
                     "note": f"set default_pipeline (or your bot's pipeline) to {target!r}: a pipeline is "
                             "configuration, not a registry version"}
    else:
        deployer = _deployer(host, exp.settings.deployer)
        decision_obj = deployer.deploy(model[0], model[1], alias="production", golden=exp.settings.golden,
                                       force=force, reason=why, actor=actor or "ab",
                                       workspace=str(workspace) if workspace is not None else None)
        promotion = {"variant": chosen, "target": target, "kind": "model", "model": model[0], "version": model[1],
                     "deployed": bool(decision_obj.deployed), "at": now(), "deployer": decision_obj.to_dict()}
    if model is None or promotion["deployed"]:
        update(db, name, status="promoted", winner=chosen, promotion=promotion, stopped_at=now(),
               status_reason=why)
    else:
        update(db, name, promotion=promotion)  # refused by the gate: the experiment keeps running
    return promotion


def _deployer(host: Host, name: str) -> Any:
    """The deployer component that promotes a winning model version (``blue-green`` of the
    ``signalos_deploy`` plugin unless the experiment names another): the hook point of
    auto-promotion. Any component with ``deploy(name, version, alias=, golden=, force=, reason=,
    actor=, workspace=)`` returning an object with ``deployed`` and ``to_dict()`` will do."""
    if name not in host.deployers:
        known = ", ".join(host.deployers.names()) or "none"
        raise SignalosError(f"cannot promote a model version: no deployer {name!r} is registered "
                            f"(deployers: {known}); the signalos_deploy plugin provides 'blue-green'")
    return host.component("deployers", name)
