#!/usr/bin/env python3
"""An A/B experiment from start to rollback, offline: two model versions, 20,000 routed messages.

    python examples/ab_simulation.py                    # 20,000 messages, a fresh temporary workspace
    python examples/ab_simulation.py --messages 5000 --json
    python examples/ab_simulation.py --workspace /tmp/ab-demo --keep

What happens:

1. Two versions of a model ``sim`` are registered: ``sim@1.0.0`` and ``sim@1.1.0``. Both answer
   with the regex parser (so the deployer's golden-set gate sees two equal parsers), and each
   carries the success rate its trades will have in this simulation: 85 % and 88 %.
2. ``sim@1.0.0`` is deployed to ``production`` through the deployer (smoke test on the golden set).
3. An experiment splits 4,000 users evenly between the two versions; every message is routed by
   the ``ab`` router, parsed, logged to ``parse_log`` and given an outcome (success or failed
   order) drawn from its version's rate with a seeded random generator.
4. Every 1,000 messages (an "hour") the experiment is looked at; the always-valid p-value of the
   mSPRT makes these 20 looks safe. The first look at which the rule fires is reported.
5. At the end, the check promotes the winner through the deployer's promotion gate, and
   ``signalos models rollback sim`` (the command, in a subprocess) puts 1.0.0 back; the running
   host follows both alias moves without a restart.

This file is also a plugin (parser ``sim``), so the rollback subprocess loads it by name with
``SIGNALOS_LOAD_PLUGINS=ab_simulation,...`` and ``PYTHONPATH=examples``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import attrs

from signalos.hookspecs import hookimpl
from signalos.models import Message, ParseResult
from signalos.modelstore import Manifest, ModelStore, model_for_parser

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "data" / "messages.jsonl"
MODEL = "sim"
RATES = {"1.0.0": 0.85, "1.1.0": 0.88}
LATENCY_FLOOR_MS = 250.0  # see simulate()


class SimParser:
    """Parser ``sim``: serves a registry version of the model ``sim``; answers as the regex parser
    does (cached per text, the pool of texts is small) and names its version in ``result.parser``."""

    def __init__(self, host, options):
        self.host = host
        self.ref = model_for_parser(host, MODEL, options)
        self.success_rate = json.loads((self.ref.path / "model.json").read_text(encoding="utf-8"))["success_rate"]
        self._answers: dict[str, ParseResult | None] = {}

    @property
    def version(self) -> str:
        return self.ref.spec

    def parse(self, message: Message) -> ParseResult | None:
        if message.text not in self._answers:
            result = self.host.parser("regex").parse(message)
            self._answers[message.text] = None if result is None else attrs.evolve(result, parser=self.ref.spec)
        return self._answers[message.text]


@hookimpl
def register_parsers(register, host):
    register(MODEL, SimParser)


# the simulation ----------------------------------------------------------------------------------

def register_versions(workspace: Path) -> None:
    store = ModelStore(workspace)
    try:
        for version, rate in RATES.items():
            if version in store.versions(MODEL):
                continue
            staging = store.staging_dir(MODEL)
            (staging / "model.json").write_text(json.dumps({"success_rate": rate}), encoding="utf-8")
            store.commit(staging, Manifest(name=MODEL, version=version, kind=MODEL,
                                           metrics={"simulated_success_rate": rate}))
    finally:
        store.close()


def build_host(workspace: Path):
    import signalos_ab
    import signalos_deploy
    import signalos_regex

    from signalos.testing import make_host

    config = {"workspace": str(workspace), "pipelines": {"default": {"parsers": [f"{MODEL}@production"]}},
              "deployers": {"blue-green": {"golden": str(GOLDEN), "margin": 0.02}}}
    return make_host(signalos_regex, signalos_ab, signalos_deploy, sys.modules[__name__], config=config)


def simulate(n_messages: int, workspace: Path, *, users: int = 4000, seed: int = 7, look_every: int = 1000,
             progress: bool = True) -> dict:
    import numpy as np

    import signalos_ab
    import signalos_deploy

    os.environ.setdefault("SIGNALOS_ALIAS_CHECK_S", "0")  # follow alias moves at once, for the demo
    register_versions(workspace)
    host = build_host(workspace)
    first = signalos_deploy.promote(host, MODEL, "1.0.0", reason="initial production", actor="ab-simulation")
    texts = [json.loads(line)["text"] for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    name = unused_name(host, f"sim-seed{seed}")
    # A salt from the seed: the same seed gives the same assignment, so the figures reproduce.
    # Both versions run the same parser in this process, so a latency difference between the arms
    # is the machine's (another job, the scheduler), never the model's: the latency guardrail gets
    # a floor far above that noise, so that the promotion turns on the success rates alone.
    signalos_ab.start(host, name, {"control": f"{MODEL}@1.0.0", "treatment": f"{MODEL}@1.1.0"}, unit="user",
                      salt=f"seed-{seed}", actor="ab-simulation",
                      settings={"mde": 0.02, "alpha": 0.05, "auto_promote": True, "golden": str(GOLDEN),
                                "latency_floor_ms": LATENCY_FLOOR_MS})
    rng = np.random.default_rng(seed)
    user_of = rng.integers(0, users, size=n_messages)
    text_of = rng.integers(0, len(texts), size=n_messages)
    draws = rng.random(n_messages)
    looks, detected_at = [], None
    t0 = time.perf_counter()
    for i in range(n_messages):
        message = Message(text=texts[text_of[i]], user_id=f"user-{user_of[i]}", chat_id="demo")
        routed = signalos_ab.route_and_parse(host, message)
        version = (routed.result.parser or "@").partition("@")[2]
        ok = draws[i] < RATES.get(version, 0.0)
        signalos_ab.record_outcome(host, routed, "success" if ok else "failed_order")
        if (i + 1) % look_every == 0 and i + 1 < n_messages:
            # An hourly look: recorded, but promotion waits for the planned end of the experiment.
            rep = signalos_ab.check(host, name, auto_promote=False)
            c = rep["comparisons"]["treatment"]
            looks.append({"messages": i + 1, "difference": c["difference"], "always_valid_p": c["sequential"]["p_value"],
                          "naive_z_p": c["ztest"]["p_value"], "state": rep["decision"]["state"]})
            if detected_at is None and rep["decision"]["state"] == "winner":
                detected_at = i + 1
            if progress:
                print(f"  look {len(looks):2d} at {i + 1:6d} messages: difference {c['difference']:+.4f}, "
                      f"always-valid p {c['sequential']['p_value']:.3g}, {rep['decision']['state']}", file=sys.stderr)
    route_s = time.perf_counter() - t0
    final = signalos_ab.check(host, name)  # auto_promote=True on the experiment: through the gate
    store = ModelStore(workspace)
    after_promotion = store.alias(MODEL, "production")
    store.close()
    served_after_promotion = host.parse(texts[0]).result.parser
    rollback = rollback_by_command(workspace)
    store = ModelStore(workspace)
    after_rollback = store.alias(MODEL, "production")
    history = [{k: r[k] for k in ("version", "previous", "reason", "actor")} for r in store.alias_history(MODEL)]
    store.close()
    served_after_rollback = host.parse(texts[0]).result.parser
    signalos_ab.router(host).close()
    c = final["comparisons"]["treatment"]
    return {
        "messages": n_messages, "users": users, "seed": seed, "true_rates": RATES, "route_seconds": round(route_s, 2),
        "initial_deploy": first.status,
        "variants": {k: {x: v[x] for x in ("units", "parses", "outcomes", "success_rate")}
                     for k, v in final["variants"].items()},
        "srm": {"p_value": final["srm"]["p_value"], "flagged": final["srm"]["flagged"],
                "observed": final["srm"]["observed"]},
        "difference": c["difference"], "ci": c["ci"], "ztest_p": c["ztest"]["p_value"], "fisher_p": c["fisher"]["p_value"],
        "always_valid_p": c["sequential"]["p_value"], "latency_mann_whitney_p": c["latency"]["p_value"],
        "guardrails_ok": c["guardrails"]["ok"], "sample_size_per_arm": final["sample_size"]["n_a"],
        "looks": looks, "detected_at_messages": detected_at, "decision": final["decision"],
        "promotion": {k: final.get("promotion", {}).get(k) for k in ("variant", "model", "version", "deployed")},
        "gate": (final.get("promotion") or {}).get("deployer", {}).get("gate"),
        "production_after_promotion": after_promotion, "served_after_promotion": served_after_promotion,
        "rollback_command": rollback, "production_after_rollback": after_rollback,
        "served_after_rollback": served_after_rollback, "alias_history": history,
    }


def unused_name(host, base: str) -> str:
    import signalos_ab
    from signalos_ab.experiments import load_all

    db = signalos_ab.router(host).db()
    try:
        taken = {e.name for e in load_all(db)}
    finally:
        db.close()
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}-{k}"
    return name


def rollback_by_command(workspace: Path) -> dict:
    """``signalos models rollback sim`` in a subprocess that loads this file as a plugin."""
    env = dict(os.environ, SIGNALOS_LOAD_PLUGINS="ab_simulation,regex,deploy,ab",
               PYTHONPATH=os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p))
    env.pop("SIGNALOS_CONFIG", None)
    cmd = [sys.executable, "-m", "signalos", "models", "rollback", MODEL, "--workspace", str(workspace),
           "--reason", "ab-simulation: rollback drill", "--json"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    out = {"command": "signalos models rollback sim --workspace WS", "exit_code": proc.returncode}
    try:
        out["decision"] = {k: v for k, v in json.loads(proc.stdout).items()
                           if k in ("status", "version", "previous", "gate")}
    except json.JSONDecodeError:
        out["stderr"] = proc.stderr.strip()[-500:]
    return out


def print_human(r: dict) -> None:
    print(f"{r['messages']} messages from {r['users']} users in {r['route_seconds']} s (routed, parsed, logged, "
          f"outcome recorded)")
    for name, v in r["variants"].items():
        print(f"  {name:9s} units {v['units']:5d}  outcomes {v['outcomes']:6d}  success {v['success_rate']:.4f}")
    print(f"sample ratio: {r['srm']['observed']}  chi-square p = {r['srm']['p_value']:.3f} "
          f"({'MISMATCH' if r['srm']['flagged'] else 'balanced'})")
    print(f"difference {r['difference']:+.4f}  95% CI [{r['ci'][0]:+.4f}, {r['ci'][1]:+.4f}]  z-test p {r['ztest_p']:.2g}  "
          f"Fisher p {r['fisher_p']:.2g}  always-valid p {r['always_valid_p']:.2g}")
    print(f"sequential rule first fired at the look after {r['detected_at_messages']} messages "
          f"(fixed-horizon sample size: {r['sample_size_per_arm']} outcomes per arm)")
    print(f"decision: {r['decision']['state']} -> {r['decision']['winner']}: {r['decision']['reason']}")
    p = r["promotion"]
    print(f"promotion through the gate ({r['gate']}): {p['model']}@{p['version']} deployed={p['deployed']}; "
          f"production = {r['production_after_promotion']}, the running host serves {r['served_after_promotion']}")
    rb = r["rollback_command"]
    print(f"`{rb['command']}` exit {rb['exit_code']}: production = {r['production_after_rollback']}, "
          f"the running host serves {r['served_after_rollback']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--users", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rates", default="0.85,0.88", metavar="A,B",
                    help="true success rates of sim@1.0.0 and sim@1.1.0 (default 0.85,0.88)")
    ap.add_argument("--workspace", type=Path, help="workspace directory (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    RATES.update(zip(("1.0.0", "1.1.0"), (float(x) for x in args.rates.split(","))))
    workspace = args.workspace or Path(tempfile.mkdtemp(prefix="signalos-ab-"))
    try:
        report = simulate(args.messages, workspace, users=args.users, seed=args.seed, progress=not args.json)
        report["workspace"] = str(workspace)
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print_human(report)
    finally:
        if args.workspace is None and not args.keep:
            shutil.rmtree(workspace, ignore_errors=True)
    ok = (not report["srm"]["flagged"] and report["srm"]["p_value"] > 0.01 and report["promotion"]["deployed"]
          and report["production_after_rollback"] == "1.0.0")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
