"""The ``llm`` parser: a causal language model, LoRA-tuned to write the schema as JSON.

The prompt is the message, then (for a model trained so, ``regex_reading`` in its manifest) the
regex parser's own answer as a draft, and ends with ``{"kind":"``; the answer is the rest of the
SCHEMA.md object, minified, with null and empty fields left out (``schema_decode.answer_text``). Decoding is
greedy and constrained to the schema (``schema_decode``): every answer is schema JSON, and its
numbers and symbols are ones the message writes. An answer that is not JSON or fails the
grounding check is a miss (``None``); one that fails validation is returned with its problems as
warnings, which a chain never accepts (``to_result``). Generation is batched (``parse_many``:
left padding, KV cache, messages of similar length together); the confidence is the calibrated
probability of the least sure choice the model made.

Options (``[parsers.llm]``): ``model`` (version or alias), ``path`` (a model directory), ``name``
(registry name, default ``llm``), ``workspace``, ``batch_size``, ``max_new_tokens``,
``constrained`` (default true), ``jump_forward`` (default true: the constrained answer is decoded
by ``jump_decode``, forced tokens fed in one pass; false runs ``generate`` with the schema's logits
processor, the reference it must agree with), ``bf16`` (the loaded model in bfloat16, default true where the CPU
computes in it natively).
"""
from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from signalos.models import Message, ParseResult
from signalos.modelstore import ModelLoadError, ModelRef, base_dir, read_manifest
from signalos.training.calibration import Calibration
from signalos.validate import ungrounded, validate

from signalos_transformers.common import LoadsOnce
from signalos_transformers.jump_decode import DecodeStats, decode_batch
from signalos_transformers.schema_decode import OPENER, Candidates, Segmenter, Walker, answer_text, schema_processor

NAME = "llm"
HEAD = "Trading message:\n"
DRAFT = "\nRules read: "
TAIL = "\nSchema JSON:\n" + OPENER
MAX_PROMPT_CHARS = 1200
MAX_PROMPT_TOKENS = 320


def regex_draft(text: str) -> str:
    """What the regex parser (built-in tables) reads in ``text``, as the compact answer the model
    writes (``answer_text``), or ``none``. The model learns to copy what is right in it and mend
    what is not (stacking, as the spaCy and encoder parsers read ``reading_spans``)."""
    from signalos_regex.features import regex_answer

    label = regex_answer(text[:MAX_PROMPT_CHARS])
    return answer_text(label) if label else "none"


def prompt(text: str, reading: bool = False) -> str:
    text = text[:MAX_PROMPT_CHARS].strip()
    return HEAD + text + (DRAFT + regex_draft(text) if reading else "") + TAIL


def prompt_ids(tokenizer, text: str, max_tokens: int = MAX_PROMPT_TOKENS, reading: bool = False) -> list[int]:
    """The prompt's token ids, the same in training and parsing: the message is cut to fit; the
    draft (with ``reading``) and the tail (``...{"kind":"``) are always whole."""
    text = text[:MAX_PROMPT_CHARS].strip()
    head = tokenizer(HEAD + text, add_special_tokens=True)["input_ids"]
    draft = tokenizer(DRAFT + regex_draft(text), add_special_tokens=False)["input_ids"] if reading else []
    tail = tokenizer(TAIL, add_special_tokens=False)["input_ids"]
    if head and head[-1] == tokenizer.eos_token_id:
        head = head[:-1]
    return head[: max(1, max_tokens - len(tail) - len(draft))] + draft + tail


def compact_label(label: dict[str, Any]) -> str:
    """The training answer in full: the schema object, minified, without null or empty fields."""
    return answer_text(label)


def read_answer(answer: str) -> dict[str, Any] | None:
    """The first JSON object of a generated answer, or None."""
    start = answer.find("{")
    if start < 0:
        return None
    try:
        obj, _ = json.JSONDecoder().raw_decode(answer[start:])
    except json.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None


def to_result(answer: str, confidence: float, parser: str = NAME,
              text: str | None = None) -> tuple[ParseResult | None, str]:
    """(result or None, why): None when the answer is not JSON, breaks the schema or, given the
    message ``text``, names a symbol or price the message does not write. An answer that reads the
    message but fails validation (levels out of order, prices off the symbol's range: what the
    message says all the same) is returned with its problems as warnings and why ``invalid: ...``,
    as the regex parser returns its own: a chain never accepts it, and only falls back to it when
    no parser gave a sound answer."""
    obj = read_answer(answer)
    if obj is None:
        return None, "invalid json"
    try:
        result = ParseResult.from_schema(obj, parser=parser, confidence=confidence)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return None, f"schema: {exc}"
    invented = ungrounded(result, text) if text is not None else []
    if invented:
        return None, "ungrounded: " + "; ".join(invented)
    problems = validate(result)
    if problems:
        result = attrs.evolve(result, warnings=(*result.warnings, *problems), accepted=False)
        return result, "invalid: " + "; ".join(problems)
    return result, "ok"


class LlmParser(LoadsOnce):
    """Loads base model + LoRA adapter on first use (merged for speed); a load failure is kept and
    raised on every parse so the chain records it and falls through."""

    name = NAME
    kind = "llm"
    needs_peft = True

    def __init__(self, host: Any = None, options: dict[str, Any] | None = None):
        self._init_state(host, options)
        self.batch_size = int(self.options.get("batch_size", 16))
        self.max_new_tokens = int(self.options.get("max_new_tokens", 160))
        self.constrained = _flag(self.options.get("constrained", True))
        self.bf16 = _flag(self.options.get("bf16", True))
        self.jump_forward = _flag(self.options.get("jump_forward", True))
        # the regex parser's draft in the prompt: as the model was trained (its manifest) once loaded
        self.regex_reading = _flag(self.options.get("regex_reading", False))
        self.last_stats: dict[str, int] = {}
        self.last_reasons: list[str] = []
        self._segmenter: Segmenter | None = None

    @classmethod
    def from_model(cls, model, tokenizer, calibration: Calibration | None = None, **options) -> LlmParser:
        parser = cls(options=options)
        parser._model, parser._tokenizer = model, tokenizer
        parser.calibration = calibration or Calibration()
        return parser

    def _load_model(self, ref: ModelRef):
        model, tokenizer = load_llm(ref)
        return self._prepare(model), tokenizer

    def _load_key(self) -> tuple:
        return (self.bf16,)

    def _configure(self, ref) -> None:
        self.regex_reading = bool(ref.manifest.extra.get("regex_reading", False))

    def _prepare(self, model):
        """The loaded (merged) model as the parser runs it: bfloat16 where the device computes in it."""
        if self.bf16 and (next(model.parameters()).device.type == "cuda" or _cpu_bf16()):
            import torch

            # converted once: autocast would cast every weight again for every generated token
            model = model.to(torch.bfloat16)
        return model

    def generate(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(answer, confidence) per text, generated greedily in batches of similar length."""
        import torch

        self._load()
        tok, model = self._tokenizer, self._model
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        if self._segmenter is None or self._segmenter.tokenizer is not tok:
            self._segmenter = Segmenter(tok)
        ids = [prompt_ids(tok, t, reading=self.regex_reading) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        out: list[tuple[str, float]] = [("", 0.0)] * len(texts)
        device = next(model.parameters()).device
        stats = DecodeStats()
        self.last_stats = stats.as_dict()
        for b in range(0, len(order), self.batch_size):
            batch = order[b:b + self.batch_size]
            width = max(len(ids[i]) for i in batch)
            input_ids = torch.tensor([[pad] * (width - len(ids[i])) + ids[i] for i in batch], device=device)
            mask = torch.tensor([[0] * (width - len(ids[i])) + [1] * len(ids[i]) for i in batch], device=device)
            walkers = ([Walker(self._segmenter, Candidates.of(texts[i]), tok.eos_token_id) for i in batch]
                       if self.constrained else None)
            extra: dict[str, Any] = ({"logits_processor": [schema_processor(walkers, width)]} if walkers else
                                     {"output_scores": True, "return_dict_in_generate": True})
            if walkers and self.jump_forward:
                decode_batch(model, [ids[i] for i in batch], walkers, pad, self.max_new_tokens, stats)
            else:
                with torch.inference_mode():
                    gen = model.generate(input_ids=input_ids, attention_mask=mask, max_new_tokens=self.max_new_tokens,
                                         do_sample=False, pad_token_id=pad, eos_token_id=tok.eos_token_id,
                                         **extra)
            if walkers and not self.jump_forward:
                stats.rows += len(walkers)
                stats.forward_passes += min(max(w.steps for w in walkers) + 1, self.max_new_tokens)  # one a token
                stats.chosen_tokens += sum(len(w.choice_logps) for w in walkers)
                stats.forced_tokens += sum(w.steps - len(w.choice_logps) for w in walkers)
            if walkers:
                for i, w in zip(batch, walkers):
                    # a walker cut off by max_new_tokens or at a dead end leaves unfinished JSON: a miss
                    complete = w.done and not w.failed
                    out[i] = (w.answer if complete else w.answer + "…", w.confidence if complete else 0.0)
                continue
            new = gen.sequences[:, width:]
            logps = torch.stack([torch.log_softmax(s.float(), dim=-1) for s in gen.scores], dim=1)
            chosen = logps.gather(-1, new.unsqueeze(-1)).squeeze(-1)
            for j, i in enumerate(batch):
                row = new[j].tolist()
                n = next((k + 1 for k, t in enumerate(row) if t in (tok.eos_token_id, pad)), len(row))
                mean = float(chosen[j, :n].mean()) if n else -10.0
                out[i] = (OPENER + tok.decode(row[:n], skip_special_tokens=True), math.exp(mean))
        self.last_stats = stats.as_dict()
        return out

    def parse(self, message: Message | str) -> ParseResult | None:
        return self.parse_many([message])[0]

    def parse_many(self, messages: Sequence[Message | str]) -> list[ParseResult | None]:
        texts = [Message.coerce(m).text for m in messages]
        results, reasons = [], []
        for text, (answer, p) in zip(texts, self.generate(texts)):
            result, why = to_result(answer, self.calibration(p), self.name, text)
            results.append(result)
            reasons.append(why)
        self.last_reasons = reasons
        return results


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() not in ("0", "false", "no", "off")


@functools.cache
def _cpu_bf16() -> bool:
    """Whether this CPU computes in bfloat16 natively (AVX-512 BF16 or AMX): then autocast is
    two to three times faster; elsewhere it would be slower than float32."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def load_llm(ref: ModelRef):
    """Base model + adapter of a saved llm model, merged; a damaged file is named in the error."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # the base is read from the workspace only (models/.bases/), never from wherever the
    # manifest says: ``base_model`` records where it came from and is not read
    base = base_dir(ref)
    if not (base / "config.json").is_file():
        raise ModelLoadError(f"model {ref.spec}: its base model {base} is missing (config.json not found)")
    if not (base / "manifest.json").is_file():
        raise ModelLoadError(f"model {ref.spec}: its base model {base} has no manifest.json to check it by")
    read_manifest(base, verify=True)  # the base is checked like any model
    if not (ref.path / "adapter" / "adapter_model.safetensors").is_file():
        # peft falls back to a pickled adapter_model.bin, which runs code when loaded
        raise ModelLoadError(f"model {ref.spec}: {ref.path / 'adapter' / 'adapter_model.safetensors'} is missing "
                             "(adapters are loaded from safetensors only)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(ref.path / "adapter"))
        model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32, use_safetensors=True)
        model = PeftModel.from_pretrained(model, str(ref.path / "adapter")).merge_and_unload()
    except Exception as exc:
        raise ModelLoadError(f"damaged model {ref.spec}: cannot load {ref.path / 'adapter'} on {base}: "
                             f"{type(exc).__name__}: {exc}") from exc
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.eval()
    return model, tokenizer
