"""Nothing learned from one message: the table entries that decide at most one corpus message,
and corpus quotes in the repository.

    python benchmarks/table_entries.py [--corpus FILE ...] [--all] [--quotes-only] [--verify N] [--json]

An entry (a word, phrase or ``re:`` pattern of one section and concept of keywords.toml,
symbols.toml or a language file, or one price range of ``[magnitudes]``) *decides* a corpus
message when the regex parser's schema answer to that message changes with the entry alone
removed from the tables. An entry of the shared tables (keywords.toml, symbols.toml) that decides
at most one message must be explained in ``benchmarks/entry_classes.toml`` (the class of words it
stands for) or the check fails: a word kept for one message is a memorised message. Entries of a
language file are explained by their class (concept x language) and shown as counts.

Exit status 1 when an entry is unexplained, a corpus quote is found in a tracked file, or
``--verify`` finds a message the pre-filter missed; 0 when the corpus is missing (said so).
"""
from __future__ import annotations

import argparse
import copy
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import regex

if __package__ in (None, ""):  # run as a file: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._quotes import corpus_needles, find_quotes
from benchmarks._util import REPO_ROOT, emit, machine
from signalos.errors import InputError
from signalos.normalize import SymbolTable, load_tables, normalize_text, phrase_key

CORPUS_DIR = REPO_ROOT.parent / "shared" / "corpus"
CORPUS_FILES = ("real.jsonl", "real-2.jsonl")
CLASSES_FILE = Path(__file__).resolve().parent / "entry_classes.toml"
SHARED_FILES = ("keywords.toml", "symbols.toml")
_PATTERN_FLAGS = regex.MULTILINE | regex.V0  # as PatternSet compiles them
WORD_SECTIONS = ("direction", "order_type", "labels", "aliases")  # one phrase-key namespace (Lexicon.words)
PATTERN_SECTIONS = ("updates", "noise")
_NEVER = regex.compile(r"(?!)")  # a pattern that matches nothing, for masking one out  # the keyword sections compiled into pattern sets of their own


def data_dir() -> Path:
    import signalos.data

    return Path(signalos.data.__path__[0])


# --- entries -------------------------------------------------------------------------------------

@attrs.frozen
class Entry:
    """One removable item of one table file."""

    file: str  # relative to the data directory: keywords.toml, symbols.toml, languages/ru.toml
    path: tuple[str, ...]  # the list (or table) holding it: ("direction", "buy"), ("magnitudes",)
    value: str  # the word, phrase or "re:" pattern; for a [magnitudes] range, its symbol
    keyed: bool = False  # ``value`` is a key of the table at ``path`` (a range), not a list item
    language: str | None = None  # the language of its file; None for the shared tables

    @property
    def section(self) -> str:
        return self.path[0]

    @property
    def concept(self) -> str:
        return ".".join(self.path[1:]) or "-"

    @property
    def shared(self) -> bool:
        return self.language is None

    def key(self) -> tuple[str, tuple[str, ...], str]:
        return (self.file, self.path, self.value)


def entries_of(file: str, table: dict[str, Any], language: str | None = None) -> list[Entry]:
    """Every entry of one parsed table file, in file order; a list item written twice once."""
    out: list[Entry] = []

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            # a table of values that are no lists of words (price ranges, XBT = "BTC"): each key
            # is one entry
            if node and path and all(not isinstance(v, (dict, list)) or (isinstance(v, list) and v and not any(
                    isinstance(x, str) for x in v)) for v in node.values()):
                out.extend(Entry(file, path, key, True, language) for key in node)
                return
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list) and path:
            out.extend(Entry(file, path, v, False, language) for v in dict.fromkeys(node) if isinstance(v, str))

    walk(table, ())
    return out


@attrs.frozen
class Tables:
    """The merged tables the parser runs on, and the files they come from."""

    keywords: dict[str, Any]
    symbols: dict[str, Any]
    files: dict[str, dict[str, Any]]  # file -> its parsed content

    @classmethod
    def load(cls, directory: Path | None = None) -> Tables:
        directory = directory or data_dir()
        files: dict[str, dict[str, Any]] = {}
        for path in [directory / name for name in SHARED_FILES] + sorted((directory / "languages").glob("*.toml")):
            if path.is_file():
                files[path.relative_to(directory).as_posix()] = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(load_tables("keywords"), load_tables("symbols"), files)

    def entries(self) -> list[Entry]:
        out: list[Entry] = []
        for file, table in self.files.items():
            language = None if file in SHARED_FILES else Path(file).stem
            out.extend(entries_of(file, table, language))
        return out

    def home(self, entry: Entry) -> str | None:
        """The merged table an entry is loaded into, None when the parser never sees it. A
        language file's sections go where a table holds them: ``[aliases]`` into the symbols."""
        kinds = {"keywords.toml": ("keywords",), "symbols.toml": ("symbols",)}.get(entry.file, ("keywords", "symbols"))
        for kind in kinds:
            node = _at(getattr(self, kind), entry.path)
            if (entry.keyed and isinstance(node, dict) and entry.value in node) or \
                    (not entry.keyed and isinstance(node, list) and entry.value in node):
                return kind
        return None

    def without(self, entry: Entry, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(keywords, symbols) with ``entry`` removed from the merged table ``kind``; only the
        tables on its path are copied."""
        table = getattr(self, kind)
        out = dict(table)
        node = out
        for key in entry.path[:-1]:
            node[key] = dict(node[key])
            node = node[key]
        last = entry.path[-1]
        if entry.keyed:
            node[last] = {k: v for k, v in node[last].items() if k != entry.value}
        else:
            node[last] = [v for v in node[last] if v != entry.value]
        return (out, self.symbols) if kind == "keywords" else (self.keywords, out)


def _at(table: dict[str, Any], path: Sequence[str]) -> Any:
    node: Any = table
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


# --- messages and which of them an entry can touch --------------------------------------------

@attrs.frozen
class Message:
    id: str
    file: str
    text: str
    label: dict[str, Any]
    haystacks: tuple[str, ...]  # lower-cased forms of the text the parser reads
    variants: tuple[str, ...]  # the text and its first line, as the pattern sets read them

    @classmethod
    def of(cls, mid: str, file: str, text: str, label: dict[str, Any], max_chars: int = 4096) -> Message:
        t = normalize_text(text[:max_chars])
        head_end = t.find("\n", len(t) - len(t.lstrip()))
        head = t[:head_end] if head_end >= 0 else t
        # Turkish: the tokenizer also looks a word up with "I" read as dotless "ı"
        hay = tuple(dict.fromkeys((t.lower(), t.casefold(), t.replace("I", "ı").lower())))
        return cls(mid, file, text, label, hay, (t, head))


def load_corpus(paths: Iterable[Path]) -> list[Message]:
    """Every row of the labelled files, uncertain ones included; unreadable lines left out."""
    from signalos.evaluation import data

    out: list[Message] = []
    for path in paths:
        for row in data.load_labelled(path, keep_uncertain=True).rows:
            out.append(Message.of(row.id, path.name, row.text, row.label))
    return out


class Reach:
    """Which messages an entry can possibly change: a superset, so that only those are parsed
    again. A word or phrase needs its words (or the entry itself, for an emoji or a separator)
    inside the lower-cased text; a pattern must find something in the text or in its first line
    (the headline is read alone for updates); a price range may matter anywhere."""

    def __init__(self, messages: Sequence[Message]):
        self.messages = messages

    def of(self, entry: Entry) -> list[Message]:
        if entry.keyed:
            return list(self.messages)
        if entry.value.startswith("re:"):
            source = entry.value[3:]
            try:
                patterns = (regex.compile(source, _PATTERN_FLAGS | regex.IGNORECASE), regex.compile(source, _PATTERN_FLAGS))
            except (regex.error, OverflowError, RecursionError):
                return list(self.messages)  # not compilable here: the parser decides, so try all
            return [m for m in self.messages
                    if any(p.search(v) is not None for p in patterns for v in (*m.variants, *m.haystacks[:1]))]
        words = phrase_key(entry.value).split()
        raw = entry.value.replace("\ufe0f", "").lower()
        return [m for m in self.messages
                if any((words and all(w in h for w in words)) or (raw and raw in h) for h in m.haystacks)]


# --- deciding ----------------------------------------------------------------------------------

@attrs.frozen
class Decision:
    """What removing one entry changes."""

    entry: Entry
    home: str | None  # "keywords" / "symbols", None when not loaded
    reach: int  # messages the pre-filter let through
    decides: tuple[str, ...]  # ids of the messages whose answer changes
    becomes_wrong: tuple[str, ...]  # of those, the ones answered exactly right with the entry only
    note: str = ""  # why it decides nothing, when it is known: a duplicate, no message holds it

    def to_dict(self) -> dict[str, Any]:
        e = self.entry
        return {"file": e.file, "language": e.language, "section": e.section, "concept": e.concept,
                "entry": e.value, "home": self.home, "reach": self.reach, "decides": list(self.decides),
                "becomes_wrong": list(self.becomes_wrong), "note": self.note}


class Decider:
    """Parses the corpus with the full tables once, then each entry's reach without it."""

    def __init__(self, tables: Tables, messages: Sequence[Message]):
        from signalos_regex.parser import RegexParser

        self.tables = tables
        self.messages = messages
        self.reach = Reach(messages)
        self.parser = RegexParser()
        self.full = self.parser.lexicon = self._lexicon(tables.keywords, SymbolTable(tables.symbols))
        self.baseline = {m.id: self._answer(m) for m in messages}
        self.parses = len(messages)
        self.lexicons = 1
        # Compiling the update and noise patterns is 95% of a lexicon's cost: a lexicon without
        # an entry of other sections borrows them (their caches hold answers per text only).
        # Borrowing must change no answer, which is checked here once.
        self.splice = True
        self.parser.lexicon = self._spliced(tables.keywords, self.full.symbols, None)
        self.splice = all(self._answer(m) == self.baseline[m.id] for m in messages)
        self.parser.lexicon = self.full
        self.parses += len(messages)
        self.mask = True

    @staticmethod
    def _lexicon(keywords: dict[str, Any], symbols: SymbolTable):
        from signalos_regex.lexicon import Lexicon, builtin_patterns

        return Lexicon(keywords, symbols, vetted=builtin_patterns())

    def _spliced(self, keywords: dict[str, Any], symbols: SymbolTable, fresh: str | None):
        """A lexicon of ``keywords`` whose pattern sets are the full lexicon's, but for the
        section ``fresh`` (``updates`` or ``noise``), compiled anew."""
        lex = self._lexicon({k: v for k, v in keywords.items() if k not in PATTERN_SECTIONS}, symbols)
        for section in PATTERN_SECTIONS:
            if section == fresh:
                setattr(lex, section, getattr(self._lexicon({section: keywords[section]}, symbols), section))
            else:
                setattr(lex, section, getattr(self.full, section))
        return lex

    def _masked(self, entry: Entry):
        """The full lexicon with the one pattern of ``entry`` (an update or noise entry) made to
        match nothing: the same answers as a lexicon compiled without it, at no compiling cost.
        None when the pattern is not found once in its set."""
        if not self.mask or entry.section not in PATTERN_SECTIONS or len(entry.path) != 2:
            return None
        patterns = getattr(self.full, entry.section)
        from signalos_regex.patterns import table_source

        source = table_source(entry.value)
        at = [i for i, item in enumerate(patterns.entries) if item[1] == entry.path[1] and patterns.sources[i] == source]
        if len(at) != 1:
            return None
        try:
            masked = copy.copy(patterns)
            masked.entries = list(patterns.entries)
            category, value, _, _, vetted = masked.entries[at[0]]
            masked.entries[at[0]] = (category, value, _NEVER, _NEVER, vetted)
            lex = copy.copy(self.full)
            setattr(lex, entry.section, masked)
        except (TypeError, AttributeError, ValueError):  # a compiled build's classes do not copy
            return None
        return lex

    def _check_mask(self, entries: Sequence[Entry]) -> bool:
        """Masking a pattern must answer as compiling without it: compared on a few patterns that
        reach messages, so a change of the pattern sets' insides turns masking off, not wrong."""
        tried = 0
        for e in entries:
            if tried == 3:
                break
            kind = self.tables.home(e)
            reach = self.reach.of(e) if kind and e.section in PATTERN_SECTIONS else []
            masked = self._masked(e) if reach else None
            if masked is None:
                continue
            tried += 1
            self.mask = False
            rebuilt = self.answers_without(e, kind, reach)
            self.mask = True
            self.parser.lexicon = masked
            same = all(self._answer(m) == rebuilt[m.id] for m in reach)
            self.parser.lexicon = self.full
            if not same:
                return False
        return True

    def _lexicon_without(self, entry: Entry, kind: str):
        masked = self._masked(entry)
        if masked is not None:
            return masked
        keywords, symbols = self.tables.without(entry, kind)
        table = self.full.symbols if kind == "keywords" else SymbolTable(symbols)  # its caches are pure
        if self.splice:
            return self._spliced(keywords, table, entry.section if entry.section in PATTERN_SECTIONS else None)
        return self._lexicon(keywords, table)

    def _answer(self, m: Message) -> dict[str, Any]:
        return self.parser.parse(m.text).to_schema()

    def answers_without(self, entry: Entry, kind: str, messages: Iterable[Message]) -> dict[str, dict[str, Any]]:
        """The answers to ``messages`` with ``entry`` removed from the merged table ``kind``."""
        full = self.parser.lexicon
        self.parser.lexicon = self._lexicon_without(entry, kind)
        self.lexicons += 1
        try:
            out = {m.id: self._answer(m) for m in messages}
        finally:
            self.parser.lexicon = full
        self.parses += len(out)
        return out

    def decide(self, entries: Sequence[Entry]) -> list[Decision]:
        from signalos.evaluation.scoring import score_row

        holders: dict[tuple[str | None, tuple[str, ...], str], list[str]] = {}
        homes = {e.key(): self.tables.home(e) for e in entries}
        for e in entries:
            holders.setdefault((homes[e.key()], e.path, e.value), []).append(e.file)
        same_key = _same_phrase_keys(entries, homes)
        self.mask = self._check_mask(entries)
        by_id = {m.id: m for m in self.messages}
        out = []
        for e in entries:
            kind = homes[e.key()]
            if kind is None:
                out.append(Decision(e, None, 0, (), (), "not loaded by load_tables"))
                continue
            others = [f for f in holders[(kind, e.path, e.value)] if f != e.file]
            if others:
                # the merged table keeps the other copy: removing this one alone changes nothing
                out.append(Decision(e, kind, 0, (), (), f"also in {', '.join(others)}"))
                continue
            reach = self.reach.of(e)
            if not reach:
                out.append(Decision(e, kind, 0, (), (), "no corpus message holds it"))
                continue
            changed = self.answers_without(e, kind, reach)
            decides = tuple(mid for mid, answer in changed.items() if answer != self.baseline[mid])
            wrong = tuple(mid for mid in decides if score_row(by_id[mid].label, self.baseline[mid]).exact
                          and not score_row(by_id[mid].label, changed[mid]).exact)
            note = same_key.get(e.key(), "") if not decides else ""
            out.append(Decision(e, kind, len(reach), decides, wrong, note))
        return out

    def verify(self, entries: Sequence[Entry], homes: dict[Any, str | None]) -> list[dict[str, Any]]:
        """Parse every message without each of ``entries``: a changed answer outside the entry's
        reach means the pre-filter is wrong (and the counts too)."""
        missed = []
        for e in entries:
            kind = homes[e.key()]
            if kind is None:
                continue
            inside = {m.id for m in self.reach.of(e)}
            changed = self.answers_without(e, kind, self.messages)
            outside = [mid for mid, a in changed.items() if a != self.baseline[mid] and mid not in inside]
            if outside:
                missed.append({"file": e.file, "path": ".".join(e.path), "entry": e.value, "messages": outside})
        return missed


def _same_phrase_keys(entries: Sequence[Entry], homes: dict[Any, str | None]) -> dict[Any, str]:
    """Words written two ways that read the same ("stop-loss", "stop loss"): a note for each."""
    first: dict[tuple[str | None, str], Entry] = {}
    notes = {}
    for e in entries:
        if e.keyed or e.value.startswith("re:") or e.section not in WORD_SECTIONS:
            continue
        k = (homes[e.key()], phrase_key(e.value))
        if not k[1]:
            continue
        if k in first:
            other = first[k]
            notes[e.key()] = f"same key as {other.value!r} ({other.file} {'.'.join(other.path)})"
        else:
            first[k] = e
    return notes


# --- explanations -------------------------------------------------------------------------------

def load_classes(path: Path = CLASSES_FILE) -> dict[tuple[str, tuple[str, ...], str], str]:
    """``entry_classes.toml``: ``[[class]]`` tables, each naming one class of words and the
    entries of one table list that stand for it (see the file's header)."""
    if not path.is_file():
        return {}
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}") from None
    out: dict[tuple[str, tuple[str, ...], str], str] = {}
    for n, group in enumerate(doc.get("class", []), start=1):
        where = f"{path.name}: class #{n}"
        if not isinstance(group, dict) or set(group) != {"class", "table", "at", "entries"}:
            raise InputError(f"{where}: expected exactly the keys class, table, at, entries")
        name, table, at, entries = group["class"], group["table"], group["at"], group["entries"]
        if not (isinstance(name, str) and name.strip() and "\n" not in name):
            raise InputError(f"{where}: 'class' must be one line of text")
        if not (isinstance(table, str) and isinstance(at, str) and isinstance(entries, list)
                and all(isinstance(e, str) for e in entries)):
            raise InputError(f"{where}: 'table' and 'at' are strings, 'entries' a list of strings")
        for entry in entries:
            out[(table, tuple(at.split(".")), entry)] = name.strip()
    return out


def explain(d: Decision, classes: dict[Any, str]) -> str | None:
    """The class an entry that decides at most one message stands for, None when unexplained."""
    e = d.entry
    if not e.shared:
        return f"{e.concept} x {e.language}"
    if e.key() in classes:
        return classes[e.key()]
    languages = [Path(f).stem for f in d.note.removeprefix("also in ").split(", ") if f.startswith("languages/")]
    if d.note.startswith("also in ") and languages:
        return f"{e.concept} x {'/'.join(languages)} (its language file holds it)"
    return None


# --- the check ----------------------------------------------------------------------------------

def run(corpus: Sequence[Path] | None = None, *, quotes: bool = True, entries: bool = True,
        verify: int = 0, tables: Tables | None = None, classes: dict[Any, str] | None = None,
        repo: Path = REPO_ROOT, quote_files: Iterable[str] | None = None) -> dict[str, Any]:
    """The whole check as one report; ``report["failed"]`` says whether it fails."""
    paths = list(corpus) if corpus else [CORPUS_DIR / name for name in CORPUS_FILES]
    missing = [str(p) for p in paths if not p.is_file()]
    report: dict[str, Any] = {"benchmark": "table_entries", "corpus": [str(p) for p in paths], "machine": machine()}
    if missing:
        report.update(corpus_missing=missing, failed=False)
        return report
    start, cpu = time.perf_counter(), time.process_time()
    messages = load_corpus(paths)
    report["messages"] = len(messages)
    failed = False
    if entries:
        section = _entries_report(messages, tables or Tables.load(), CLASSES_FILE if classes is None else classes,
                                  verify)
        report["entries"] = section
        failed |= bool(section["unexplained"]) or bool(section.get("verify_missed"))
    if quotes:
        t = time.perf_counter()
        needles = corpus_needles({m.id: m.text for m in messages})
        found = find_quotes(repo, needles, quote_files)
        report["quotes"] = {"found": [q.to_dict() for q in found], "needles": len(needles.by_text),
                            "generic_left_out": needles.generic, "seconds": round(time.perf_counter() - t, 3)}
        failed |= bool(found)
    report["seconds"] = round(time.perf_counter() - start, 3)
    report["cpu_seconds"] = round(time.process_time() - cpu, 3)  # the wall clock counts the neighbours too
    report["failed"] = failed
    return report


def _entries_report(messages: Sequence[Message], tables: Tables, classes: Path | dict[Any, str],
                    verify: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    classes = load_classes(classes) if isinstance(classes, Path) else classes
    all_entries = tables.entries()
    decider = Decider(tables, messages)
    t1 = time.perf_counter()
    decisions = decider.decide(all_entries)
    t2 = time.perf_counter()
    few = [d for d in decisions if len(d.decides) <= 1]
    shared = [d for d in few if d.entry.shared]
    listed = []
    for d in shared:
        row = d.to_dict()
        row["class"] = explain(d, classes)
        listed.append(row)
    per_file: dict[str, Counter[str]] = {}
    for d in decisions:
        c = per_file.setdefault(d.entry.file, Counter())
        c["entries"] += 1
        c["decide_0"] += not d.decides
        c["decide_1"] += len(d.decides) == 1
        c["decide_2+"] += len(d.decides) >= 2
    languages: dict[str, dict[str, Counter[str]]] = {}
    for d in few:
        if not d.entry.shared:
            by = languages.setdefault(d.entry.language or "?", {})
            by.setdefault(f"{d.entry.section}.{d.entry.concept}", Counter())[f"decide_{len(d.decides)}"] += 1
    known = {d.entry.key(): len(d.decides) for d in decisions}
    stale = [{"file": f, "path": ".".join(p), "entry": v, "why": "no such entry"}
             for (f, p, v) in classes if (f, p, v) not in known]
    section: dict[str, Any] = {
        "entries": len(decisions), "messages": len(messages),
        "per_file": {f: dict(c) for f, c in per_file.items()},
        "shared_at_most_one": listed,
        "unexplained": [r for r in listed if r["class"] is None],
        "languages": {lang: {k: dict(v) for k, v in sorted(by.items())} for lang, by in sorted(languages.items())},
        "language_entries": [d.to_dict() for d in few if not d.entry.shared],
        "stale_classes": stale,
        "parses": decider.parses, "lexicons": decider.lexicons, "borrowed_pattern_sets": decider.splice,
        "masked_patterns": decider.mask,
        "seconds": {"baseline": round(t1 - t0, 3), "entries": round(t2 - t1, 3)},
    }
    if verify:
        step = max(1, len(all_entries) // verify)
        sample = all_entries[::step][:verify]
        homes = {e.key(): tables.home(e) for e in sample}
        t3 = time.perf_counter()
        section["verify_missed"] = decider.verify(sample, homes)
        section["verified_entries"] = len(sample)
        section["seconds"]["verify"] = round(time.perf_counter() - t3, 3)
    return section


# --- printing -----------------------------------------------------------------------------------

def _cut(text: str, width: int = 60) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def _rows(rows: list[dict[str, Any]]) -> Iterator[str]:
    for r in rows:
        where = f"{r['file']} {r['section']}.{r['concept']}"
        decided = ",".join(r["decides"]) or "-"
        wrong = " (right -> wrong without it)" if r["becomes_wrong"] else ""
        why = f"  [{r['note']}]" if r["note"] else ""
        cls = r.get("class")
        tail = f"  = {cls}" if cls else "  UNEXPLAINED" if "class" in r else ""
        yield f"    {where:38s} {_cut(r['entry'], 48):48s} {decided}{wrong}{why}{tail}"


def print_human(r: dict[str, Any], show_all: bool = False) -> None:
    print(f"table entries  corpus: {', '.join(r['corpus'])}")
    if "corpus_missing" in r:
        print(f"  corpus missing ({', '.join(r['corpus_missing'])}): nothing checked")
        return
    print(f"  {r['messages']} messages (uncertain included), {r['seconds']:.1f} s in all "
          f"({r['cpu_seconds']:.1f} s of CPU)")
    e = r.get("entries")
    if e:
        secs = e["seconds"]
        print(f"  {e['entries']} entries; {e['parses']} parses with {e['lexicons']} lexicons "
              f"({secs['baseline']:.1f} s tables and baseline, {secs['entries']:.1f} s entries"
              + (f", {secs['verify']:.1f} s verify" if "verify" in secs else "") + ")")
        print("  per file: entries / decide 0 / decide 1 / decide 2+")
        for f, c in e["per_file"].items():
            print(f"    {f:26s} {c.get('entries', 0):5d} {c.get('decide_0', 0):5d} {c.get('decide_1', 0):5d} "
                  f"{c.get('decide_2+', 0):5d}")
        one = [x for x in e["shared_at_most_one"] if len(x["decides"]) == 1]
        zero = [x for x in e["shared_at_most_one"] if not x["decides"]]
        if not show_all:  # explained zero-deciders are many and say little; --all lists them
            hidden = sum(1 for x in zero if x["class"] is not None)
            zero = [x for x in zero if x["class"] is None]
        print(f"  shared tables, deciding exactly 1 message ({len(one)}):")
        for line in _rows(one):
            print(line)
        print(f"  shared tables, deciding 0 messages ({len(zero)}"
              + ("" if show_all else f" unexplained; {hidden} explained, listed with --all") + "):")
        for line in _rows(zero):
            print(line)
        if e["languages"]:
            print("  language files (explained by their class, concept x language): decide 0 / decide 1")
            for lang, by in e["languages"].items():
                z = sum(c.get("decide_0", 0) for c in by.values())
                o = sum(c.get("decide_1", 0) for c in by.values())
                print(f"    {lang:8s} {z:5d} {o:5d}")
            if show_all:
                for line in _rows(e["language_entries"]):
                    print(line)
        stale = e["stale_classes"]
        if stale:
            print(f"  note: entry_classes.toml explains {len(stale)} entries the tables no longer hold"
                  + (":" if show_all else " (listed with --all)"))
        for s in stale if show_all else []:
            print(f"    {s['file']} {s['path']} {s['entry']!r}")
        if "verify_missed" in e:
            print(f"  verify: {e['verified_entries']} entries parsed on every message; "
                  + (f"PRE-FILTER MISSED {e['verify_missed']}" if e["verify_missed"] else "the pre-filter missed nothing"))
        n = len(e["unexplained"])
        print(f"  {n} shared-table entr{'y' if n == 1 else 'ies'} deciding <= 1 message without a class"
              + (" (explain each in benchmarks/entry_classes.toml or remove it)" if n else ""))
    q = r.get("quotes")
    if q is not None:
        print(f"  corpus quotes in tracked files: {len(q['found'])} ({q['needles']} texts looked for, "
              f"{q['generic_left_out']} common ones left out, {q['seconds']:.1f} s)")
        for f in q["found"]:
            what = "message" if f["whole_message"] else "lines"
            print(f"    {f['file']}:{f['line']}  {','.join(f['ids'])}  ({what}, {f['chars']} chars)")
    print(f"  {'FAILED' if r['failed'] else 'passed'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks/table_entries.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, action="append",
                    help="labelled JSON Lines (repeatable; default ../shared/corpus/real.jsonl and real-2.jsonl)")
    ap.add_argument("--all", action="store_true", help="list every entry deciding <= 1 message, language files too")
    ap.add_argument("--quotes-only", action="store_true", help="only look for corpus quotes in tracked files")
    ap.add_argument("--entries-only", action="store_true", help="only check the table entries")
    ap.add_argument("--verify", type=int, default=0, metavar="N",
                    help="parse every message without N entries spread over the tables, to check the pre-filter")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    try:
        report = run(args.corpus, quotes=not args.entries_only, entries=not args.quotes_only, verify=args.verify)
    except InputError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    emit(report, args.json, lambda r: print_human(r, args.all))
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
