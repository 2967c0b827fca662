"""One channel onboarded: import, triage, label, learn, deploy.

``Channel(host, provider, workspace)`` keeps its files under ``<workspace>/channels/<slug>/``:
``heldback.jsonl`` (the channel's held-back labelled messages, the golden set of its deploy),
``pipeline.toml`` (the configuration that routes the provider to its model) and ``learn.json``
(the last learning run's figures). Messages and labels live in the workspace dataset like any
other; the review queue is the dataset's (``signalos data review``).
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from signalos.errors import SignalosError
from signalos.models import Message, ParseResult
from signalos.onboarding.uncertainty import Doubt, assess, rank

Progress = Callable[[str, int, int], None]  # (stage, done, total)
QUEUE_REASON = "channel"
BASE_MODEL = "channel-base"


class OnboardingError(SignalosError):
    """A channel step that cannot run yet (too few labels, no messages of the provider, no model
    to deploy); the CLI user sees it as one line saying what to do first."""


def slug(provider: str) -> str:
    """The registry name of a provider's model: ``channel-`` + a lower-case form of the provider,
    with a short hash when that form had to drop characters (two providers never share one)."""
    base = re.sub(r"[^a-z0-9._-]+", "-", provider.lower()).strip("-._")[:80] or "x"
    if base != provider:
        base += "-" + hashlib.sha256(provider.encode()).hexdigest()[:6]
    return f"channel-{base}"


def _held_back(message_id: int, seed: int, fraction: float) -> bool:
    h = int(hashlib.sha256(f"{seed}:{message_id}".encode()).hexdigest()[:8], 16) / float(16 ** 8)
    return h < fraction


@attrs.frozen
class LearnOptions:
    """How a channel's model is learned. ``min_labels``: labelled messages needed (k);
    ``base``: the general model to adapt (a model of the registry or a model directory);
    ``holdout``: the share of them held back to evaluate on (never trained on); ``synthetic``:
    generated messages added to the general rows when a general model has to be trained;
    ``model_first_below``: the channel's model answers first only when the chain reads less than
    this share of the channel's messages without doubt, and ``rules_first_from``: only when the
    rules, with the words learned from the labels, read less than this share of the labelled
    messages exactly; otherwise it answers where the chain is unsure."""

    min_labels: int = 20
    holdout: float = 0.25
    seed: int = 0
    base: str | None = None
    synthetic: int = 400
    general_limit: int = 1500
    model_first_below: float = 0.5
    rules_first_from: float = 0.8
    epochs: int = 10
    general_per_epoch: int = 150
    alias: str = "candidate"


class Channel:
    """The onboarding of one provider's messages (see the package docstring)."""

    def __init__(self, host: Any, provider: str, workspace: str | Path | None = None):
        if not provider or not isinstance(provider, str):
            raise OnboardingError("a channel needs a provider name (--provider NAME)")
        from signalos.dataset.repository import Dataset
        from signalos.store import Workspace

        self.host = host
        self.provider = provider
        self.workspace = Workspace(workspace or host.workspace)
        self.dataset = Dataset.open(self.workspace)
        self.name = slug(provider)
        self._general: dict[tuple, list[Any]] = {}  # general rows by options: aligning them is not free
        self._worded: dict[tuple, Any] = {}  # hosts whose regex parser reads learned words, by table
        self.dir = self.workspace.path / "channels" / self.name[len("channel-"):]

    # rows ------------------------------------------------------------------------------------
    def rows(self, *, labelled: bool | None = None) -> list[Any]:
        """The provider's messages (not augmented or synthetic); ``labelled``: only those with a
        verified, certain label (True) or only those without one (False)."""
        out = []
        for row in self.dataset.rows(include_augmented=False, include_synthetic=False):
            if row.provider != self.provider:
                continue
            done = row.label is not None and row.verified and not row.uncertain
            if labelled is None or labelled == done:
                out.append(row)
        return out

    # import ----------------------------------------------------------------------------------
    def import_file(self, path: str | Path, fmt: str = "auto", *, per_line: bool = False,
                    progress: Callable[[int], None] | None = None,
                    on_problem: Callable[[Any], None] | None = None) -> dict[str, Any]:
        """Import a channel export (JSON Lines, CSV, text, Telegram ``result.json``) under this
        provider; re-importing adds nothing."""
        from signalos.dataset.importers import import_file

        report = import_file(self.dataset, path, fmt, provider=self.provider, per_line=per_line,
                             progress=progress, on_problem=on_problem)
        return report.to_dict()

    # triage ----------------------------------------------------------------------------------
    def triage(self, *, compare: Sequence[str] | None = None, pipeline: str | None = None,
               progress: Progress | None = None, batch: int = 64) -> dict[str, Any]:
        """Parse every unlabelled message of the channel with the chain, score how unsure it is
        (``signalos.onboarding.uncertainty``) and (re)fill the review queue in that order, each
        entry proposing the chain's answer as the label to correct."""
        from signalos.dataset.repository import now

        rows = self.rows(labelled=False)
        if not rows and not self.rows():
            raise OnboardingError(f"no message of provider {self.provider!r} in {self.workspace.path}: "
                                  "import the channel's export first")
        others = [name for name in (compare if compare is not None else self._default_compare())]
        doubts: list[Doubt] = []
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            messages = [Message(r.text, provider=self.provider, message_id=r.message_id) for r in chunk]
            outcomes = self.host.parse_many(messages, pipeline=pipeline)
            answers = [self._answers(name, messages) for name in others]
            for i, (row, outcome) in enumerate(zip(chunk, outcomes)):
                doubts.append(assess(row.id, row.text, outcome, [a[i] for a in answers if a is not None],
                                     row.template_hash))
            if progress:
                progress("parsing", min(start + batch, len(rows)), len(rows))
        ranked = rank(doubts)
        stamp = now()
        db = self.dataset.db
        with db.atomic():
            # this channel's open entries are replaced: the ranking is the newest triage's
            ids = [r.id for r in self.rows()]
            for part in range(0, len(ids), 500):
                sub = ids[part:part + 500]
                db.execute(f"DELETE FROM review_queue WHERE status = 'open' AND reason LIKE '{QUEUE_REASON}%' "
                           f"AND message_id IN ({','.join('?' * len(sub))})", sub)
            total = len(ranked)
            for position, d in enumerate(ranked):
                db.execute("INSERT INTO review_queue (message_id, reason, template_hash, template_failures, "
                           "proposed_label, status, created_at) VALUES (?, ?, ?, ?, ?, 'open', ?)",
                           [d.message_id, f"{QUEUE_REASON}: " + (", ".join(d.reasons) or "sure"), d.template,
                            total - position, json.dumps(d.proposed, ensure_ascii=False), stamp])
        accepted = sum(1 for d in doubts if "not_accepted" not in d.reasons)
        return {"provider": self.provider, "messages": len(rows), "labelled": len(self.rows(labelled=True)),
                "accepted": accepted, "compared_with": others, "queued": len(ranked),
                "top": [{"message_id": d.message_id, "score": d.score, "reasons": list(d.reasons)}
                        for d in ranked[:5]]}

    def _default_compare(self) -> list[str]:
        # a general learned model, when the workspace has one, is the second opinion
        from signalos.modelstore import ModelStore

        store = ModelStore(self.workspace)
        return [name for name in ("spacy-ner",) if name in self.host.parsers and store.versions(name)]

    def _answers(self, name: str, messages: list[Message]) -> list[ParseResult | None] | None:
        # a second opinion that cannot start (its extra or model missing) is no opinion
        try:
            parser = self.host.parser(name)
            many = getattr(parser, "parse_many", None)
            return list(many(messages)) if many else [parser.parse(m) for m in messages]
        except Exception:
            return None

    def review_file(self, out: str | Path, *, limit: int | None = None) -> dict[str, Any]:
        """Write the channel's open queue, most doubtful first, for ``signalos data review import``."""
        from signalos.dataset.review import export_review

        return export_review(self.dataset, out, where="queue", limit=limit, provider=self.provider)

    def label(self, path: str | Path) -> dict[str, Any]:
        """Read a corrected review file back (verified labels by a person)."""
        from signalos.dataset.review import import_review

        return import_review(self.dataset, path)

    # learn -----------------------------------------------------------------------------------
    def learn(self, options: LearnOptions = LearnOptions(), *, progress: Progress | None = None) -> dict[str, Any]:
        """Train the channel's model from its labelled messages, evaluate it on the held-back
        ones against the chain, register it (alias ``candidate``) and write the configuration
        that routes the provider to it. Returns the figures (also in ``learn.json``)."""
        from signalos.modelstore import ModelStore
        from signalos_spacy.adapt import AdaptHyper, adapt

        start = time.perf_counter()
        labelled = self.rows(labelled=True)
        if len(labelled) < options.min_labels:
            raise OnboardingError(
                f"{len(labelled)} labelled messages of {self.provider!r}, {options.min_labels} needed: "
                f"label the first ones of `signalos channel review {self.provider!r}` and import them")
        train_rows = [r for r in labelled if not _held_back(r.id, options.seed, options.holdout)]
        held = [r for r in labelled if _held_back(r.id, options.seed, options.holdout)]
        if not train_rows:
            train_rows, held = held, []
        train_ex, held_ex = _examples(train_rows), _examples(held)
        words = self.learn_words(train_ex, held_ex)
        store = ModelStore(self.workspace)
        before = self.host.config.pipeline(self.host.config.pipeline_for(self.provider))
        base = self._base(store, options, progress)
        general = self.general_examples(options)
        hyper = AdaptHyper(seed=options.seed, epochs=options.epochs, general=options.general_per_epoch)
        if progress:
            progress("adapting", 0, hyper.epochs)
        # calibrated on the messages it learned from (the held-back ones are the evaluation): an
        # optimistic calibration, but the general model's would price a layout it never saw
        # the model reads the channel's messages with the tables its regex parser will use: the
        # configured ones and the words just learned (a label word only this channel writes)
        ref = adapt(base, train_ex, general, store, name=self.name, alias=options.alias, provider=self.provider,
                    validation=train_ex, keyword_files=[*words["keyword_files"], *([words["table"]] if words["table"] else [])],
                    symbol_files=[words["symbols_table"]] if words["symbols_table"] else [],
                    hyper=hyper, progress=(lambda e, n, r: progress("adapting", n, hyper.epochs)) if progress else None)
        rules_exact = self.exact(list(before.parsers), train_ex, threshold=before.threshold)
        # The labelled messages are the doubtful ones (the queue put them first), so the rules'
        # figure on them says little about the rest; the share of all the channel's messages the
        # chain reads without doubt does (acceptance alone does not: a layout the rules cannot
        # read is often accepted as noise). On the benchmark a model put first on a channel the
        # rules read lost 10-25 points, so it goes first only where the rules are mostly unsure.
        # The rules as the written pipeline will run them: with the words just learned, which can
        # turn a channel they doubted into one they read (a label word only it writes).
        # Doubt is not error: a channel of prose around its levels leaves the rules unsure of most
        # messages they read right. The labelled messages (the most doubtful, queued first) say how
        # often the rules with the channel's words are right; where they read most of those, the
        # rules keep the first word (the benchmark's model put first there lost 3-13 points).
        accepted = self.sure_share(before.name, words=words)
        channel_first = accepted < options.model_first_below \
            and words["rules_with_words_on_train"] < options.rules_first_from
        parsers = [self.name, *before.parsers] if channel_first else [*before.parsers, self.name]
        # evaluated by version: a host keeps the parser it built, and an earlier run built one
        this = [f"{p}@{ref.version}" if p == self.name else p for p in parsers]
        config = self.config_snippet(parsers, before.threshold, words=words.get("table"), names=words.get("symbols_table"))
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "pipeline.toml").write_text(config, encoding="utf-8")
        golden = None
        figures: dict[str, Any] = {"rules_on_train": round(rules_exact, 4), "chain_sure": round(accepted, 4)}
        if held_ex:
            golden = self.dir / "heldback.jsonl"
            golden.write_text("".join(json.dumps({**e.to_line(), "provider": self.provider}, ensure_ascii=False)
                                      + "\n" for e in held_ex), encoding="utf-8")
            figures["before"] = round(self.exact(list(before.parsers), held_ex, threshold=before.threshold), 4)
            figures["after"] = round(self.exact(this, held_ex, threshold=before.threshold, words=words), 4)
            figures["model_alone"] = round(self.exact([f"{self.name}@{ref.version}"], held_ex, threshold=0.0), 4)
        report = {
            "provider": self.provider, "model": ref.spec, "alias": options.alias, "base": base.spec,
            "labelled": len(labelled), "trained_on": len(train_ex), "held_back": len(held_ex),
            "general_rows": len(general), "pipeline": parsers, "evaluated_as": this, "channel_first": channel_first,
            "exact": figures, "words": words, "config": str(self.dir / "pipeline.toml"),
            "golden": str(golden) if golden else None, "seconds": round(time.perf_counter() - start, 1),
            "deploy": f"signalos models deploy {self.name} {ref.version} --alias production"
                      + (f" --golden {golden}" if golden else " --golden FILE"),
        }
        (self.dir / "learn.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        return report

    def sure_share(self, pipeline: str | None = None, batch: int = 256, words: dict[str, Any] | None = None) -> float:
        """The share of the channel's messages the chain ``pipeline`` reads without a doubt
        (``uncertainty.assess`` finds no reason: accepted, confident, no noise full of prices);
        with ``words`` (``learn_words``'s answer), its regex parser reads the learned words."""
        rows = self.rows()
        if not rows:
            return 0.0
        host = self._host_with_words(words) if words and words.get("table") else self.host
        sure = 0
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            outcomes = host.parse_many([Message(r.text, provider=self.provider) for r in chunk], pipeline=pipeline)
            sure += sum(not assess(r.id, r.text, o).reasons for r, o in zip(chunk, outcomes))
        return sure / len(rows)

    def general_examples(self, options: LearnOptions) -> list[Any]:
        """What every other channel teaches: the dataset's labelled train rows of other providers
        (the train split, or every labelled row when nothing is split), then synthetic messages."""
        from signalos.training.data import _example, _row_dict, synthetic_examples

        key = (options.general_limit, options.synthetic, options.seed)
        if key in self._general:
            return self._general[key]
        out = []
        for row in self.dataset.rows(only_labelled=True, include_augmented=True, include_synthetic=False):
            if row.provider == self.provider or row.uncertain or row.split in ("validation", "test"):
                continue
            ex = _example(_row_dict(row), "train")
            if ex is not None:
                out.append(ex)
            if len(out) >= options.general_limit:
                break
        self._general[key] = out + synthetic_examples(options.synthetic, options.seed)
        return self._general[key]

    def _base(self, store, options: LearnOptions, progress: Progress | None):
        # the general model to adapt: the one named, else the workspace's channel base, trained
        # once on the general rows (every channel but this one) when there is none yet
        if options.base and Path(options.base).is_dir():  # a model directory outside this registry
            from signalos.modelstore import ModelRef, read_manifest

            manifest = read_manifest(options.base, verify=True)
            return ModelRef(manifest.name, manifest.version, Path(options.base), manifest)
        if options.base:
            return store.resolve(options.base, verify=True)
        if store.versions(BASE_MODEL):
            return store.resolve(BASE_MODEL, verify=True)
        return train_base(store, self.general_examples(options), seed=options.seed, progress=progress)

    # evaluation and configuration --------------------------------------------------------------
    def exact(self, parsers: Sequence[str], rows: Sequence[Any], *, threshold: float = 0.5,
              words: dict[str, Any] | None = None) -> float:
        """The share of ``rows`` (Examples) that the chain ``parsers`` reads exactly (shared/score.py
        rules); with ``words`` (``learn_words``'s answer), its regex parser reads this provider
        with the learned words, as the written ``pipeline.toml`` makes it."""
        from signalos.training.metrics import exact_flags

        if not rows:
            return 0.0
        host = self._host_with_words(words) if words and words.get("table") else self._host_with_channel()
        name = "onboarding:" + ",".join(parsers) + f"@{threshold}"
        host.use_pipeline(name, list(parsers), threshold)
        outcomes = host.parse_many([Message(r.text, provider=self.provider) for r in rows], pipeline=name)
        flags = exact_flags([r.label for r in rows], [o.result for o in outcomes])
        return sum(flags) / len(flags)

    def _host_with_channel(self):
        # the host, told how to build this channel's parser (the [parsers.NAME] table of the snippet)
        cfg = self.host.config
        parsers = dict(cfg.components.get("parsers", {}))
        parsers.setdefault(self.name, {"component": "spacy-ner", "name": self.name,
                                       "workspace": str(self.workspace.path)})
        self.host.config = attrs.evolve(cfg, components={**cfg.components, "parsers": parsers})
        return self.host

    def _host_with_words(self, words: dict[str, Any]):
        """A host like this channel's whose regex parser reads this provider with its learned words
        (``words["table"]`` and ``["symbols_table"]``), as ``config_snippet`` writes it: built anew
        (a host keeps the parsers it built) with the same plugins, once per content of the tables
        (``learn`` rewrites them in place as more labels arrive)."""
        from signalos.host import Host

        key = tuple(Path(f).read_text(encoding="utf-8") if f else None
                    for f in (words["table"], words.get("symbols_table")))
        if key not in self._worded:
            cfg = self._host_with_channel().config
            parsers = {name: dict(opts) for name, opts in cfg.components.get("parsers", {}).items()}
            regex = parsers.setdefault("regex", {})
            providers = {name: dict(opts) for name, opts in (regex.get("providers") or {}).items()}
            own = providers.setdefault(self.provider, {})
            own["keywords"] = [*own.get("keywords", []), str(Path(words["table"]).resolve())]
            if words.get("symbols_table"):
                own["symbols"] = [*own.get("symbols", []), str(Path(words["symbols_table"]).resolve())]
            regex["providers"] = providers
            self._worded[key] = Host(attrs.evolve(cfg, components={**cfg.components, "parsers": parsers}),
                                     load_entrypoints=False, plugins=list(self.host.pm.get_plugins()))
        return self._worded[key]

    def config_snippet(self, parsers: Sequence[str], threshold: float, *, words: str | None = None,
                       names: str | None = None) -> str:
        """The signalos.toml tables that route this provider to its pipeline (and make the regex
        parser read it with its learned words, when there are some)."""
        q = json.dumps
        out = (f"# The channel {self.provider}: its own model ({self.name}), then the chain it had.\n"
               f"[pipelines.{q(self.name)}]\nparsers = [{', '.join(q(p) for p in parsers)}]\n"
               f"threshold = {threshold}\n\n"
               f"[parsers.{q(self.name)}]\ncomponent = \"spacy-ner\"\nname = {q(self.name)}\n\n"
               f"[providers.{q(self.provider)}]\npipeline = {q(self.name)}\n")
        if words:
            out += (f"\n# its own words (labels, sides, updates, names), learned from its labelled messages\n"
                    f"[parsers.regex.providers.{q(self.provider)}]\nkeywords = [{q(words)}]\n"
                    + (f"symbols = [{q(names)}]\n" if names else ""))
        return out

    def learn_words(self, train: Sequence[Any], held: Sequence[Any]) -> dict[str, Any]:
        """The channel's own words for the regex parser (``signalos_regex.learn``), learned from
        ``train`` and written to ``words.toml`` in the channel's directory when there are some;
        with the regex parser's exact on ``held`` without and with them."""
        from signalos_regex.learn import Tables, exact_share, learn_channel_words

        options = self.host.config.options("parsers", "regex")
        base = Path(getattr(self.host.config, "base_dir", ".") or ".")
        files = [base / f for f in options.get("keywords", [])]
        files += [base / f for f in (options.get("providers", {}) or {}).get(self.provider, {}).get("keywords", [])]
        learned = learn_channel_words([(e.text, e.label) for e in train], keyword_files=files)
        out: dict[str, Any] = {"learned": [f"{w.section}.{w.field}={w.phrase}" for w in learned.words],
                               "table": None, "rules_on_train": round(learned.exact_before, 4),
                               "rules_with_words_on_train": round(learned.exact_after, 4)}
        out["symbols_table"] = None
        out["keyword_files"] = [str(f) for f in files]  # the configured tables the words add to
        if learned.words:
            out["table"] = str(learned.write(self.dir / "words.toml"))
            if learned.has_aliases:
                out["symbols_table"] = str(learned.write(self.dir / "symbols.toml", symbols=True))
        if held:
            pairs = [(e.text, e.label) for e in held]
            tables = Tables(files)
            out["rules_held_back"] = round(exact_share(pairs, tables.lexicon()), 4)
            out["rules_with_words_held_back"] = round(exact_share(pairs, tables.lexicon(learned.words)), 4)
        return out

    # deploy ----------------------------------------------------------------------------------
    def deploy(self, *, version: str | None = None, golden: str | Path | None = None, alias: str = "production",
               force: bool = False, reason: str = "", progress: Any = None) -> dict[str, Any]:
        """Offer the channel's model to the deploy gate (``signalos models deploy``): its
        held-back messages are the golden set unless another is given."""
        from signalos.modelstore import ModelStore

        store = ModelStore(self.workspace)
        if not store.versions(self.name):
            raise OnboardingError(f"no model of {self.provider!r} yet: run `signalos channel learn` first")
        version = version or store.alias(self.name, "candidate") or store.versions(self.name)[-1]
        golden = golden or (self.dir / "heldback.jsonl")
        if not Path(golden).is_file():
            raise OnboardingError(f"no golden set: {golden} does not exist (pass --golden FILE)")
        deployer = self.host.deployers.get("blue-green").factory(self.host, self.host.config.options(
            "deployers", "blue-green"))
        decision = deployer.deploy(self.name, version, alias=alias, golden=golden, force=force,
                                   reason=reason or f"channel {self.provider} onboarded",
                                   workspace=self.workspace.path, progress=progress)
        return decision.to_dict()

    def status(self) -> dict[str, Any]:
        """Where the channel stands: messages, labels, open queue, its model and last figures."""
        from signalos.modelstore import ModelStore

        rows = self.rows()
        labelled = [r for r in rows if r.label is not None and r.verified and not r.uncertain]
        ids = [r.id for r in rows]
        queued = 0
        for part in range(0, len(ids), 500):
            sub = ids[part:part + 500]
            queued += self.dataset.db.execute(
                f"SELECT count(*) FROM review_queue WHERE status = 'open' AND message_id IN ({','.join('?' * len(sub))})",
                sub).fetchone()[0]
        store = ModelStore(self.workspace)
        learned = self.dir / "learn.json"
        return {"provider": self.provider, "model": self.name, "messages": len(rows), "labelled": len(labelled),
                "queued": queued, "versions": store.versions(self.name),
                "aliases": {a: store.alias(self.name, a) for a in ("candidate", "production")},
                "last_learn": json.loads(learned.read_text(encoding="utf-8")) if learned.is_file() else None}


def _examples(rows: Sequence[Any]) -> list[Any]:
    from signalos.training.data import _example, _row_dict

    out = []
    for row in rows:
        ex = _example(_row_dict(row), "train")
        if ex is not None:
            out.append(ex)
    return out


# The shape of the model channels are adapted from: spaCy's transition NER over a CNN of 96 x 4
# (window 2) and the ensemble kind classifier, not the general default (a tagger of 48 x 2 and a
# bag of words, SpacyHyper). Adapted from k of a channel's messages, it reads the rest of the
# channel better alone: 74.0 / 76.1 / 82.3% at k = 10 / 20 / 40 against 66.2 / 76.2 / 78.9% for
# a tagger of 64 x 2 with the ensemble and 58.6 / 60.9 / 71.4% with the bag of words
# (`benchmarks.new_channel`, 2026-12-04/05; docs/training.md, "The tagger"). A channel's model
# decides its kind itself (its few held-back messages rarely favour the rules' kind), and the
# transition NER's history carries a channel's layout further than the tagger's four tokens.
BASE_SHAPE: dict[str, Any] = {"ner": "transition", "width": 96, "depth": 4, "window": 2, "textcat": "ensemble"}


def train_base(store, general: Sequence[Any], *, seed: int = 0, epochs: int = 8, name: str = BASE_MODEL,
               progress: Progress | None = None, **shape: Any):
    """Train and register the general spaCy model channels are adapted from (every general row
    for training; a tenth held for early stopping and calibration); ``shape`` (``ner``, ``width``,
    ``depth``, ``window``, ``textcat``: fields of ``SpacyHyper``) changes ``BASE_SHAPE``."""
    from signalos.training.data import TrainingData
    from signalos_spacy.train import SpacyHyper, train

    rows = list(general)
    validation = tuple(r for i, r in enumerate(rows) if i % 10 == 9)
    train_rows = tuple(r for i, r in enumerate(rows) if i % 10 != 9)
    td = TrainingData(train_rows, validation, (), source="channel-general", seed=seed)
    shape = {**BASE_SHAPE, **shape}
    return train(td, store, hyper=SpacyHyper(epochs=epochs, seed=seed, **shape), name=name,
                 progress=(lambda e, n, r: progress("general model", n, epochs)) if progress else None)
