"""``signalos channel``: a new channel from a few labels (``signalos.onboarding``).

    signalos channel import result.json --provider acme       # import, parse all, queue the doubtful
    signalos channel review acme --out review.jsonl --limit 20   # label these first
    signalos channel label acme review.jsonl                  # the corrected labels back in
    signalos channel learn acme --write-config signalos.toml  # adapt a model, evaluate, register
    signalos channel deploy acme                              # the gate, golden = held-back messages
    signalos channel status acme

Progress goes to stderr: a bar on a terminal, plain lines (``parsing 64/200``) otherwise, so a
log of a cron job or a CI run shows how far it got.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Optional

import typer

from signalos.cli import common

_WORKSPACE = typer.Option(None, "--workspace", "-w", metavar="DIR",
                          help="Workspace directory (default: $SIGNALOS_WORKSPACE, the config's, ./.signalos).")
_JSON = typer.Option(False, "--json", help="Print one JSON object.")
_PROVIDER = typer.Argument(..., metavar="PROVIDER", help="The channel's provider name (as its messages carry it).")


def register(app: typer.Typer) -> None:
    """Add the ``channel`` command group to ``app``."""
    channel_app = typer.Typer(add_completion=False, no_args_is_help=True,
                              help="A new channel from a few labels: import, review the doubtful first, learn, deploy.")
    for name, fn in (("import", import_command), ("triage", triage_command), ("review", review_command),
                     ("label", label_command), ("learn", learn_command), ("deploy", deploy_command),
                     ("status", status_command)):
        channel_app.command(name)(fn)
    app.add_typer(channel_app, name="channel")


class Progress:
    """``(stage, done, total)`` reports drawn as a rich bar on a terminal, else as plain lines on
    stderr: one when a stage starts, one at its end and at most one every ``every_s`` between."""

    def __init__(self, quiet: bool = False, every_s: float = 2.0):

        self.console = common.console(stderr=True)
        self.quiet = quiet
        self.tty = self.console.is_terminal
        self.every_s = every_s
        self._bar = None
        self._tasks: dict[str, Any] = {}
        self._last: dict[str, float] = {}

    def __enter__(self) -> Progress:
        if self.tty and not self.quiet:
            self._bar = common.progress_bar(self.console, transient=False)
            self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            if stage not in self._tasks:
                self._tasks[stage] = self._bar.add_task(stage, total=total)
            self._bar.update(self._tasks[stage], completed=done, total=total)
            return
        now = time.monotonic()
        first = stage not in self._last
        if first or done >= total or now - self._last[stage] >= self.every_s:
            self._last[stage] = now
            sys.stderr.write(f"{stage} {done}/{total}\n")
            sys.stderr.flush()


def _channel(provider: str, workspace: Optional[Path]):
    from signalos.onboarding import Channel

    return Channel(common.make_host(), provider, workspace)


def import_command(
    file: Path = typer.Argument(..., metavar="FILE", help="The channel's export: JSON Lines, CSV, text or Telegram result.json."),
    provider: str = typer.Option(..., "--provider", "-p", help="The channel's provider name."),
    fmt: str = typer.Option("auto", "--format", "-f", metavar="auto|jsonl|csv|text|telegram"),
    per_line: bool = typer.Option(False, "--per-line", help="Plain text: one message per line."),
    triage: bool = typer.Option(True, "--triage/--no-triage", help="Parse every message and queue the doubtful ones (default)."),
    workspace: Optional[Path] = _WORKSPACE, as_json: bool = _JSON,
) -> None:
    """Import a channel's export under PROVIDER, parse every message with the chain and queue the
    ones it is least sure of for review.

    \b
      signalos channel import result.json --provider acme-signals
    """
    ch = _channel(provider, workspace)
    with Progress(quiet=as_json) as progress:
        report = ch.import_file(file, fmt, per_line=per_line,
                                on_problem=lambda p: common.warn(f"{file}: {p.position}: {p.error}"))
        out: dict[str, Any] = {"import": report}
        if triage:
            out["triage"] = ch.triage(progress=progress)
    if as_json:
        common.print_json(out)
        return
    typer.echo(f"{provider}: {report.get('added', 0)} new messages from {file}")
    if triage:
        _print_triage(out["triage"], provider)


def _print_triage(t: dict[str, Any], provider: str) -> None:
    typer.echo(f"parsed {t['messages']} unlabelled messages: the chain accepted {t['accepted']}; "
               f"{t['queued']} queued, most doubtful first ({t['labelled']} already labelled)")
    typer.echo(f"next: signalos channel review {provider!r} --out review.jsonl --limit 20")


def triage_command(provider: str = _PROVIDER,
                   compare: Optional[str] = typer.Option(None, "--compare", metavar="a,b",
                                                         help="Parsers whose disagreement marks doubt (default: spacy-ner when the workspace has a model)."),
                   workspace: Optional[Path] = _WORKSPACE, as_json: bool = _JSON) -> None:
    """Parse the channel's unlabelled messages again and re-rank the review queue."""
    ch = _channel(provider, workspace)
    names = [c.strip() for c in compare.split(",") if c.strip()] if compare is not None else None
    with Progress(quiet=as_json) as progress:
        out = ch.triage(compare=names, progress=progress)
    if as_json:
        common.print_json(out)
    else:
        _print_triage(out, provider)


def review_command(provider: str = _PROVIDER,
                   out: Path = typer.Option(..., "--out", "-o", help="The review file to write (JSON Lines)."),
                   limit: Optional[int] = typer.Option(20, "--limit", min=1, help="How many of the queue (default 20)."),
                   workspace: Optional[Path] = _WORKSPACE, as_json: bool = _JSON) -> None:
    """Write the channel's most doubtful messages, each with the chain's answer as the label to
    correct; edit ``label`` (or set ``"skip": true``) and read it back with ``channel label``."""
    report = _channel(provider, workspace).review_file(out, limit=limit)
    if as_json:
        common.print_json(report)
    else:
        typer.echo(f"wrote {report['rows']} messages to {report['path']}; correct their labels, then: "
                   f"signalos channel label {provider!r} {report['path']}")


def label_command(provider: str = _PROVIDER, file: Path = typer.Argument(..., metavar="FILE"),
                  workspace: Optional[Path] = _WORKSPACE, as_json: bool = _JSON) -> None:
    """Read a corrected review file back: each label becomes a verified label by a person."""
    report = _channel(provider, workspace).label(file)
    for p in report.get("problems", []):
        common.warn(f"{file}: {p.get('position')}: {p.get('error')}")
    if as_json:
        common.print_json(report)
    else:
        typer.echo(f"{report['labelled']} labelled, {report['skipped']} skipped")


def learn_command(
    provider: str = _PROVIDER,
    min_labels: int = typer.Option(20, "--min-labels", "-k", min=1, help="Labelled messages needed (default 20)."),
    holdout: float = typer.Option(0.25, "--holdout", min=0.0, max=0.9,
                                  help="Share of the labelled messages held back to evaluate on (default 0.25)."),
    base: Optional[str] = typer.Option(None, "--base", metavar="MODEL",
                                       help="The general spacy-ner model to adapt (default: channel-base, trained once when missing)."),
    synthetic: int = typer.Option(400, "--synthetic", min=0, help="Synthetic messages in the general rows."),
    seed: int = typer.Option(0, "--seed"),
    write_config: Optional[Path] = typer.Option(None, "--write-config", metavar="FILE",
                                                help="Append the tables that route the provider to its model to this signalos.toml."),
    workspace: Optional[Path] = _WORKSPACE, as_json: bool = _JSON,
) -> None:
    """Adapt a model to the channel from its labelled messages, compare the chain before and
    after on the held-back ones, register it (alias candidate) and write its routing.

    \b
      signalos channel learn acme-signals --min-labels 20 --write-config signalos.toml
    """
    from signalos.onboarding import LearnOptions

    ch = _channel(provider, workspace)
    options = LearnOptions(min_labels=min_labels, holdout=holdout, base=base, synthetic=synthetic, seed=seed)
    with Progress(quiet=as_json) as progress:
        report = ch.learn(options, progress=progress)
    if write_config is not None:
        report["config_written"] = _append_config(write_config, Path(report["config"]).read_text(encoding="utf-8"))
    if as_json:
        common.print_json(report)
        return
    ex = report["exact"]
    typer.echo(f"registered {report['model']} (alias {report['alias']}), adapted from {report['base']} on "
               f"{report['trained_on']} labelled messages in {report['seconds']} s")
    if "after" in ex:
        typer.echo(f"held back {report['held_back']}: exact {ex['before']:.1%} with the chain before, "
                   f"{ex['after']:.1%} after ({ex['model_alone']:.1%} the model alone)")
    words = report.get("words") or {}
    if words.get("learned"):
        held = (f"; the regex parser on the held-back ones: {words['rules_held_back']:.1%} with the tables, "
                f"{words['rules_with_words_held_back']:.1%} with these words" if "rules_held_back" in words else "")
        typer.echo(f"its own words: {', '.join(words['learned'])} ({words['table']}){held}")
    typer.echo(f"pipeline for {provider}: {' -> '.join(report['pipeline'])}; tables in {report['config']}")
    typer.echo(f"next: {report['deploy']}")


def _append_config(path: Path, snippet: str) -> str:
    # each table of the snippet is appended once: a second learn of the same channel only moves
    # its model, not its routing, and adds a table an earlier learn did not write (its words)
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    lines = set(current.splitlines())
    blocks = [b for b in snippet.split("\n\n") if b.strip()]
    new = [b for b in blocks if not any(line.startswith("[") and line in lines for line in b.splitlines())]
    if not new:
        return "unchanged"
    snippet = "\n\n".join(b.strip("\n") for b in new) + "\n"
    import tomllib

    try:
        tomllib.loads(current + "\n" + snippet)
    except tomllib.TOMLDecodeError as exc:
        from signalos.errors import ConfigError

        raise ConfigError(f"{path}: adding the channel's tables would break it ({exc}); add them by hand") from None
    path.write_text(current + ("\n" if current and not current.endswith("\n\n") else "") + snippet, encoding="utf-8")
    return "appended"


def deploy_command(provider: str = _PROVIDER,
                   version: Optional[str] = typer.Option(None, "--version", help="Default: the candidate alias."),
                   golden: Optional[Path] = typer.Option(None, "--golden", help="Default: the channel's held-back messages."),
                   force: bool = typer.Option(False, "--force"), reason: str = typer.Option("", "--reason"),
                   workspace: Optional[Path] = _WORKSPACE, as_json: bool = _JSON) -> None:
    """Offer the channel's model to the deploy gate (``signalos models deploy``) for production."""
    from signalos.cli.deploy_cmd import _print_decision

    ch = _channel(provider, workspace)
    decision = ch.deploy(version=version, golden=golden, force=force, reason=reason)

    class _D:  # the deploy command prints a Decision; the API returns its dict
        def __init__(self, d):
            self.__dict__.update(d)

        def to_dict(self):
            return decision

    _print_decision(_D(decision), as_json)
    if not decision.get("status") in ("deployed", "unchanged", "checked"):
        raise typer.Exit(1)


def status_command(provider: str = _PROVIDER, workspace: Optional[Path] = _WORKSPACE, as_json: bool = _JSON) -> None:
    """Messages, labels, open queue, model versions and the last learning run of the channel."""
    out = _channel(provider, workspace).status()
    if as_json:
        common.print_json(out)
        return
    typer.echo(f"{provider}: {out['messages']} messages, {out['labelled']} labelled, {out['queued']} queued")
    typer.echo(f"model {out['model']}: versions {', '.join(out['versions']) or 'none'}; "
               + ", ".join(f"{a} -> {v}" for a, v in out["aliases"].items() if v))
    last = out.get("last_learn")
    if last and "after" in last.get("exact", {}):
        typer.echo(f"last learn: exact {last['exact']['before']:.1%} before, {last['exact']['after']:.1%} after "
                   f"on {last['held_back']} held-back messages")
