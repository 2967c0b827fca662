"""The ``llm`` parser: a causal language model, LoRA-tuned to write the schema as JSON.

The prompt is the message; the answer is the SCHEMA.md object, minified, with null and empty
fields left out (fewer tokens to generate; ``ParseResult.from_schema`` fills them back). An answer
that is not JSON, breaks the schema or fails validation is a miss (``None``): the chain moves on.
Generation is batched (``parse_many``) and greedy; the confidence is the calibrated mean token
probability of the answer.

Options (``[parsers.llm]``): ``model`` (version or alias), ``path`` (a model directory), ``name``
(registry name, default ``llm``), ``workspace``, ``batch_size``, ``max_new_tokens``.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from signalos.models import Message, ParseResult
from signalos.modelstore import ModelLoadError, ModelRef, read_manifest
from signalos.training.calibration import Calibration
from signalos.validate import ungrounded, validate

from signalos_transformers.common import LoadsOnce

NAME = "llm"
PROMPT = "Trading message:\n{text}\nSchema JSON:\n"
MAX_PROMPT_CHARS = 1200


def prompt(text: str) -> str:
    return PROMPT.format(text=text[:MAX_PROMPT_CHARS].strip())


def compact_label(label: dict[str, Any]) -> str:
    """The training answer: the schema object, minified, without null or empty fields."""
    out = {k: v for k, v in label.items() if v is not None and v != []}
    if label.get("kind") == "update":
        out["actions"] = [{k: v for k, v in a.items() if v is not None} for a in label.get("actions") or []]
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


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
    """(result or None, why): None when the answer is not JSON, breaks the schema, fails validation
    or, given the message ``text``, names a symbol or price the message does not write."""
    obj = read_answer(answer)
    if obj is None:
        return None, "invalid json"
    try:
        result = ParseResult.from_schema(obj, parser=parser, confidence=confidence)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return None, f"schema: {exc}"
    problems = validate(result)
    if problems:
        return None, "invalid: " + "; ".join(problems)
    invented = ungrounded(result, text) if text is not None else []
    if invented:
        return None, "ungrounded: " + "; ".join(invented)
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
        self.last_reasons: list[str] = []

    @classmethod
    def from_model(cls, model, tokenizer, calibration: Calibration | None = None, **options) -> LlmParser:
        parser = cls(options=options)
        parser._model, parser._tokenizer = model, tokenizer
        parser.calibration = calibration or Calibration()
        return parser

    def _load_model(self, ref: ModelRef):
        return load_llm(ref)

    def generate(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(answer, mean token probability) per text, generated greedily in batches."""
        import torch

        self._load()
        tok, model = self._tokenizer, self._model
        tok.padding_side = "left"
        out: list[tuple[str, float]] = []
        for i in range(0, len(texts), self.batch_size):
            prompts = [prompt(t) for t in texts[i:i + self.batch_size]]
            enc = tok(prompts, return_tensors="pt", padding=True, truncation=True, max_length=512)
            with torch.inference_mode():
                gen = model.generate(**enc, max_new_tokens=self.max_new_tokens, do_sample=False,
                                     pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                                     output_scores=True, return_dict_in_generate=True)
            new = gen.sequences[:, enc["input_ids"].shape[1]:]
            logps = torch.stack([torch.log_softmax(s.float(), dim=-1) for s in gen.scores], dim=1)
            chosen = logps.gather(-1, new.unsqueeze(-1)).squeeze(-1)
            for j in range(new.shape[0]):
                ids = new[j].tolist()
                n = len(ids)
                for k, t in enumerate(ids):
                    if t in (tok.eos_token_id, tok.pad_token_id):
                        n = k + 1
                        break
                mean = float(chosen[j, :n].mean()) if n else -10.0
                out.append((tok.decode(ids[:n], skip_special_tokens=True), math.exp(mean)))
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


def load_llm(ref: ModelRef):
    """Base model + adapter of a saved llm model, merged; a damaged file is named in the error."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = Path(ref.manifest.extra.get("base_dir") or ref.manifest.base_model or "")
    if not (base / "config.json").is_file():
        raise ModelLoadError(f"model {ref.spec}: its base model {base} is missing (config.json not found)")
    if (base / "manifest.json").is_file():
        read_manifest(base, verify=True)  # the converted base is checked like any model
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
