"""LoRA fine-tuning of the ``llm`` parser with the Hugging Face Trainer and peft.

The base is a name (``gemma3``, the default: Gemma 3 270M, multilingual; ``smollm2``:
SmolLM2-135M-Instruct, English), a causal LM directory, or a GGUF file: transformers dequantises
it, and the result is saved once as an ordinary safetensors model under the workspace's
``models/.bases/`` (a GGUF-loaded model refuses ``save_pretrained``, so the config is rebuilt
without its quantisation entry and the weights copied in). Only the adapter is saved with each
version; the manifest names the base directory and its hash.

The prompt carries the regex parser's answer as a draft (``LlmHyper.regex_reading``, default on;
``llm.regex_draft``): the model learns to copy what the rules read right and to mend the rest, far
sooner than to read a message from nothing (validation loss 0.04 after 100 steps of 8 with the
draft, 0.17 after 120 without; docs/training.md). The answers are tokenized segment by segment
exactly as the constrained decoder will allow them (``schema_decode.Segmenter``). The loss is on the answer tokens only, and the output head runs on
those positions only: Gemma's head has 262k rows, and computing it for every prompt token would
cost more than the rest of the model. On a CPU with native bfloat16 the step runs under bf16
autocast (about twice as fast here); the LoRA weights stay float32.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from signalos.errors import SignalosError
from signalos.modelstore import Manifest, ModelRef, ModelStore, discard, read_manifest
from signalos.training import calibration as calib
from signalos.training.data import Example, TrainingData
from signalos.training.metrics import exact_flags, result_scores

from signalos_transformers.common import (
    LLM_BASES, llm_base_file, quiet, register_trained, require_transformers, set_threads, weights_sha256,
)
from signalos_transformers.llm import DRAFT, HEAD, NAME, TAIL, LlmParser, _cpu_bf16, prompt_ids, to_result
from signalos_transformers.schema_decode import Segmenter

DEFAULT_BASE = "gemma3"


@attrs.frozen
class LlmHyper:
    epochs: int = 1
    max_steps: int | None = None
    batch_size: int = 8
    lr: float = 1e-3
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_layers: int | None = None  # adapt only the top N layers: backward stops below them (CPU)
    max_length: int = 384
    bf16: bool = True  # bfloat16 autocast where the device has it natively
    seed: int = 0
    validate_n: int = 40
    patience: int = 2  # evaluations without a lower validation loss before stopping (0: never)
    regex_reading: bool = True  # the regex parser's answer in the prompt as a draft (llm.regex_draft)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def prepare_base(base: str | Path | None, store: ModelStore) -> Path:
    """A safetensors model directory for ``base`` inside the workspace, with a manifest so damage
    is detected: a name of ``LLM_BASES`` or a GGUF file is converted once into
    ``models/.bases/<stem>/``; a model directory is copied once into
    ``models/.bases/<name>-<weights sha256>/`` (the llm parser loads a base from its workspace
    only, see ``modelstore.PATH_KEYS``)."""
    base = llm_base_file(str(base or DEFAULT_BASE)) if str(base or DEFAULT_BASE) in LLM_BASES else Path(base)
    if base.is_dir():
        return copy_base(base, store)
    if base.suffix != ".gguf" or not base.is_file():
        raise SignalosError(f"--base must be a model directory or a .gguf file: {base}")
    target = store.root / ".bases" / base.stem.lower()
    if (target / "manifest.json").is_file():
        read_manifest(target, verify=False)
        return target
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from signalos.modelstore import file_table, sha256_file

    staging = target.with_name(target.name + ".tmp")
    discard(staging)
    staging.mkdir(parents=True)
    tok = AutoTokenizer.from_pretrained(str(base.parent), gguf_file=base.name)
    loaded = AutoModelForCausalLM.from_pretrained(str(base.parent), gguf_file=base.name, dtype=torch.float32)
    cfg = AutoConfig.for_model(**{k: v for k, v in loaded.config.to_dict().items() if k != "quantization_config"})
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    model.save_pretrained(staging, safe_serialization=True)
    tok.save_pretrained(staging)
    files = file_table(staging)
    manifest = Manifest(name=base.stem.lower(), version="1.0.0", kind="base-llm", base_model=str(base),
                 base_sha256=sha256_file(base), files=files, size_bytes=sum(f["size"] for f in files.values()))
    (staging / "manifest.json").write_text(json.dumps(manifest.to_dict(), indent=2) + "\n", encoding="utf-8")
    staging.replace(target)
    return target


def copy_base(base: Path, store: ModelStore) -> Path:
    """``base`` (a model directory) as a directory of the workspace's ``models/.bases/``: itself
    when it is one already, else a copy made once and named by its weights' hash."""
    from signalos.modelstore import file_table

    bases = store.root / ".bases"
    if bases.resolve() in base.resolve().parents and (base / "manifest.json").is_file():
        return base
    sha = weights_sha256(base)
    stem = re.sub(r"[^a-z0-9._-]+", "-", base.resolve().name.lower()).strip("-.") or "base"
    target = bases / f"{stem}-{(sha or 'noweights')[:12]}"
    if (target / "manifest.json").is_file():
        read_manifest(target, verify=False)
        return target
    staging = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    discard(staging)
    shutil.copytree(base, staging, symlinks=False, ignore=shutil.ignore_patterns("manifest.json"))
    files = file_table(staging)
    manifest = Manifest(name=stem, version="1.0.0", kind="base-llm", base_model=str(base), base_sha256=sha,
                        files=files, size_bytes=sum(f["size"] for f in files.values()))
    (staging / "manifest.json").write_text(json.dumps(manifest.to_dict(), indent=2) + "\n", encoding="utf-8")
    try:
        staging.replace(target)
    except OSError:  # another training copied it first
        discard(staging)
        if not (target / "manifest.json").is_file():
            raise
    return target


def encode(tokenizer, rows: list[Example], max_length: int, reading: bool = False) -> list[dict[str, Any]]:
    """Prompt + answer ids per row, the loss on the answer only; a label the grammar cannot write
    (an action type it does not know, too many targets) is left out."""
    seg = Segmenter(tokenizer)
    out = []
    for row in rows:
        a = seg.answer_ids(row.label)
        if a is None:
            continue
        a = a + [tokenizer.eos_token_id]
        p = prompt_ids(tokenizer, row.text, max(8, max_length - len(a)), reading=reading)
        ids = p + a
        out.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": [-100] * len(p) + a})
    return out


def _answer_loss(model, inputs) -> Any:
    """Cross-entropy on the answer tokens, the output head applied to those positions only."""
    import torch

    labels = inputs["labels"]
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    hidden = base.model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).last_hidden_state
    targets = labels[:, 1:]
    keep = targets != -100
    h = hidden[:, :-1][keep]
    logits = base.lm_head(h).float()
    cap = getattr(base.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap
    return torch.nn.functional.cross_entropy(logits, targets[keep])


def evaluate(parser: LlmParser, rows: list[Example]) -> tuple[dict[str, float], list[float], list[bool]]:
    if not rows:
        return {}, [], []
    answers = parser.generate([r.text for r in rows])
    results, valid, sound = [], 0, 0
    for row, (answer, p) in zip(rows, answers):
        result, why = to_result(answer, p, text=row.text)
        results.append(result)
        valid += why != "invalid json" and not why.startswith("schema")
        sound += why == "ok"
    labels = [r.label for r in rows]
    # accepted: answers that pass validation (a chain may accept them); the rest still count in exact
    figures = {**result_scores(labels, results), "valid_json": round(valid / len(rows), 4),
               "accepted": round(sound / len(rows), 4)}
    return figures, [p for _, p in answers], exact_flags(labels, results)


def train(data: TrainingData, store: ModelStore, *, base: str | Path | None = None, hyper: LlmHyper = LlmHyper(),
          name: str = NAME, version: str | None = None, alias: str | None = None,
          progress: Callable[[str, int, dict[str, Any]], None] | None = None) -> ModelRef:
    """LoRA-tune ``base`` on the train split, score and calibrate on validation, register the adapter."""
    require_transformers(peft=True)
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import (
        AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq, Trainer, TrainerCallback, TrainingArguments,
        set_seed,
    )

    start = time.perf_counter()
    set_threads(None)
    set_seed(hyper.seed)
    base_dir = prepare_base(base, store)
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"  # training batches: positions count from the prompt's start
    model = AutoModelForCausalLM.from_pretrained(str(base_dir), dtype=torch.float32)
    n_layers = int(getattr(model.config, "num_hidden_layers", 0) or 0)
    layers = (list(range(max(0, n_layers - hyper.lora_layers), n_layers))
              if hyper.lora_layers and n_layers else None)
    # every linear layer but the output head ("all-linear" spelt out: peft needs a list to limit layers)
    linear = sorted({n.rsplit(".", 1)[-1] for n, m in model.named_modules()
                     if isinstance(m, torch.nn.Linear) and not n.endswith("lm_head")})
    lora = LoraConfig(r=hyper.lora_r, lora_alpha=hyper.lora_alpha, lora_dropout=hyper.lora_dropout,
                      target_modules=linear if layers else "all-linear", layers_to_transform=layers,
                      task_type="CAUSAL_LM")
    model = get_peft_model(model, lora)
    rows = encode(tokenizer, list(data.train), hyper.max_length, hyper.regex_reading)
    # the validation loss drives early stopping: a fixed sample keeps each evaluation cheap
    val_rows = encode(tokenizer, list(data.validation), hyper.max_length,
                      hyper.regex_reading)[: max(hyper.validate_n, 16)]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    bf16 = hyper.bf16 and (device == "cuda" or _cpu_bf16())
    epochs: list[dict[str, Any]] = []
    parser = LlmParser.from_model(model, tokenizer, bf16=hyper.bf16, regex_reading=hyper.regex_reading)
    rng = random.Random(hyper.seed)
    val_sample = list(data.validation)
    rng.shuffle(val_sample)
    val_sample = val_sample[: hyper.validate_n]

    best: dict[str, Any] = {"loss": float("inf"), "step": 0, "state": None}

    class Steps(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if progress:
                progress("step", state.global_step, {})

        def on_evaluate(self, args, state, control, metrics=None, **kw):
            losses = [h["loss"] for h in state.log_history if "loss" in h]
            row = {"epoch": round(state.epoch or 0, 2), "step": state.global_step,
                   "loss": round(losses[-1], 4) if losses else None,
                   "eval_loss": round((metrics or {}).get("eval_loss", float("nan")), 4),
                   "seconds": round(time.perf_counter() - start, 1)}
            epochs.append(row)
            loss = row["eval_loss"]
            # early stopping on the validation loss; the best adapter weights are kept in memory
            if loss == loss and loss < best["loss"] - 1e-4:
                best.update(loss=loss, step=state.global_step, state={
                    k: v.detach().clone() for k, v in model.state_dict().items() if "lora_" in k})
            elif hyper.patience and len([e for e in epochs if e["step"] > best["step"]]) >= hyper.patience:
                control.should_training_stop = True
            if progress:
                progress("epoch", state.global_step, row)

    class AnswerTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, **kw):
            with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
                loss = _answer_loss(model, inputs)
            return (loss, None) if return_outputs else loss

        def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
            inputs = self._prepare_inputs(inputs)
            with torch.no_grad():
                loss = self.compute_loss(model, inputs)
            return loss.detach(), None, None

    with tempfile.TemporaryDirectory(prefix="signalos-llm-") as tmp:
        args = TrainingArguments(
            output_dir=tmp, use_cpu=not torch.cuda.is_available(), report_to="none", save_strategy="no",
            num_train_epochs=hyper.epochs, max_steps=hyper.max_steps or -1,
            per_device_train_batch_size=hyper.batch_size, per_device_eval_batch_size=hyper.batch_size,
            learning_rate=hyper.lr, seed=hyper.seed, logging_steps=5, disable_tqdm=True,
            eval_strategy="epoch" if not hyper.max_steps else "steps",
            eval_steps=max(1, hyper.max_steps // 3) if hyper.max_steps else None,
            remove_unused_columns=False,
        )
        trainer = AnswerTrainer(model=model, args=args, train_dataset=rows, eval_dataset=val_rows or None,
                          data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True), callbacks=[Steps()])
        if not val_rows:
            trainer.args.eval_strategy = "no"
        quiet(trainer)
        trainer.train()
    if best["state"] is not None and epochs and epochs[-1]["step"] != best["step"]:
        model.load_state_dict(best["state"], strict=False)
    model.eval()
    train_seconds = round(time.perf_counter() - start, 1)
    figures, raws, flags = evaluate(parser, val_sample)
    calibration = calib.fit(raws, flags)
    # only the adapter is saved: the manifest names the base it applies to
    return register_trained(store, name, "adapter", model, tokenizer, alias=alias, manifest=lambda: Manifest(
        name=name, version=version or "", kind="llm", base_model=str(base or DEFAULT_BASE),
        base_sha256=weights_sha256(base_dir), split_hash=data.split_hash, hyperparameters=hyper.to_dict(),
        epochs=epochs, metrics={"validation": {**figures, "n": len(val_sample)}, "best_step": best["step"]},
        calibration=calibration.to_dict(), training_seconds=round(time.perf_counter() - start, 2),
        data={**data.describe(), "answers_written": len(rows)},
        # relative to models/: a copied workspace still finds its base (modelstore.base_dir)
        extra={"base_dir": base_dir.resolve().relative_to(store.root.resolve()).as_posix(),
               "prompt": HEAD + "{text}" + (DRAFT + "{regex_draft}" if hyper.regex_reading else "") + TAIL,
               "regex_reading": hyper.regex_reading,
               "answer_format": "schema_decode v1",
               "bf16": bf16, "seconds_before_validation": train_seconds},
    ))
