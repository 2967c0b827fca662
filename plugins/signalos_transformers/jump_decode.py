"""Greedy schema-constrained decoding with jump-forward: the llm parser's fast decoder.

It writes the same answers as ``model.generate`` with ``schema_decode.schema_processor`` (the
reference decoder, kept behind ``jump_forward = false``), at a fraction of the cost, by doing
three things the generic loop cannot:

- **Jump-forward.** Where the grammar allows exactly one next token (a key such as
  ``"stop_loss":``, a closing ``"}``, the rest of a word once its first piece is chosen), the
  model's choice is not needed: the forced tokens are appended at once and fed to the model in
  the same forward pass as the chosen token before them, over the KV cache. An answer of 40-60
  tokens takes 10-20 passes instead of one pass a token.
- **Only the allowed rows of the output head.** Gemma's head has 262k rows, more work per token
  than the rest of the model. The constraint masks all but a few tokens, so only those rows are
  multiplied; forced tokens need no logits at all. The choice (first maximum in token order) and
  the log-probabilities (normalised over the allowed tokens) are the reference decoder's.
- **Finished rows leave the batch**, with their cache rows.

Rows of a batch append different numbers of tokens per pass, so the cache has holes: each pass
right-pads the rows' chunks, and the attention mask is built here (4D, by real positions) so a
hole is never attended to and a sliding-window layer counts real tokens, as it does with the
reference decoder's left padding. Positions are those ``generate`` gives (count of real tokens).

The reference decoder reads one token fewer than ``max_new_tokens`` into its grammar walker (the
last generated token is never passed back to the logits processor), so an answer is complete
only if it closes within ``max_new_tokens - 1`` tokens: the same rule applies here.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from signalos_transformers.schema_decode import Walker


class DecodeStats:
    """Counters of one ``generate`` call, for benchmarks: forward passes, tokens forced and chosen."""

    def __init__(self) -> None:
        self.forward_passes = 0
        self.forced_tokens = 0
        self.chosen_tokens = 0
        self.rows = 0

    @property
    def tokens(self) -> int:
        return self.forced_tokens + self.chosen_tokens

    def as_dict(self) -> dict[str, int]:
        return {"rows": self.rows, "forward_passes": self.forward_passes, "forced_tokens": self.forced_tokens,
                "chosen_tokens": self.chosen_tokens, "tokens": self.tokens}


def _sliding_window(config) -> int | None:
    kinds = getattr(config, "layer_types", None) or ()
    window = getattr(config, "sliding_window", None)
    return int(window) if window and "sliding_attention" in kinds else None


def _body(model):
    """The transformer under the output head (``model.model`` for every causal LM used here); a
    peft model (training scores its epochs unmerged) is unwrapped: its LoRA layers sit inside."""
    if hasattr(model, "get_base_model"):
        model = model.get_base_model()
    return getattr(model, "model", None) or model.get_decoder()


class _Batch:
    """The KV cache and per-row bookkeeping of one batch being decoded."""

    def __init__(self, model, prompts: Sequence[Sequence[int]], pad: int):
        import torch

        self.torch = torch
        self.model = model
        self.pad = pad
        self.device = next(model.parameters()).device
        self.window = _sliding_window(model.config)
        self.eager = getattr(model.config, "_attn_implementation", None) == "eager"
        width = max(len(p) for p in prompts)
        ids = torch.tensor([[pad] * (width - len(p)) + list(p) for p in prompts], device=self.device)
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=self.device)
        # what generate computes: positions count real tokens, pads sit at 0
        positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)
        from transformers import DynamicCache

        # full layers only: the window is applied by the masks built below, by real positions
        self.cache = DynamicCache()
        with torch.inference_mode():
            out = _body(model)(input_ids=ids, attention_mask=mask, position_ids=positions, cache=self.cache,
                              use_cache=True)
        self.hidden = out.last_hidden_state[:, -1, :]  # [rows, hidden]
        self.key_mask = mask.bool()  # which cache columns hold a real token, per row
        self.key_pos = positions  # the position of each cache column (holes: anything, masked)
        self.length = mask.sum(-1)  # real tokens per row

    def keep(self, rows: list[int]) -> None:
        """Keep only these rows (indices into the current batch), cache included."""
        idx = self.torch.tensor(rows, device=self.device)
        self.cache.batch_select_indices(idx)
        self.key_mask, self.key_pos, self.length = self.key_mask[idx], self.key_pos[idx], self.length[idx]
        self.hidden = self.hidden[idx]

    def feed(self, chunks: list[list[int]]) -> None:
        """One forward pass: row i appends ``chunks[i]`` (at least one token); ``hidden`` becomes
        each row's state after its last real token."""
        torch = self.torch
        n = max(len(c) for c in chunks)
        ids = torch.tensor([c + [self.pad] * (n - len(c)) for c in chunks], device=self.device)
        real = torch.tensor([[1] * len(c) + [0] * (n - len(c)) for c in chunks], device=self.device).bool()
        q_pos = self.length[:, None] + torch.arange(n, device=self.device)[None, :]
        k_mask = torch.cat([self.key_mask, real], dim=1)
        k_pos = torch.cat([self.key_pos, q_pos], dim=1)
        allowed = k_mask[:, None, :] & (k_pos[:, None, :] <= q_pos[:, :, None])  # [rows, n, keys]
        # a hole attends to itself only, so its (unused) output stays finite
        past = self.key_mask.shape[1]
        diag = torch.zeros_like(allowed)
        diag[:, torch.arange(n), past + torch.arange(n)] = True
        allowed = allowed | (diag & ~real[:, :, None])
        masks: Any = self._as_mask(allowed)
        if self.window is not None:
            near = allowed & (q_pos[:, :, None] - k_pos[:, None, :] < self.window)
            masks = {"full_attention": masks, "sliding_attention": self._as_mask(near | (diag & ~real[:, :, None]))}
        with torch.inference_mode():
            out = _body(self.model)(input_ids=ids, attention_mask=masks, position_ids=q_pos, cache=self.cache,
                                   use_cache=True)
        last = torch.tensor([len(c) - 1 for c in chunks], device=self.device)
        self.hidden = out.last_hidden_state[torch.arange(len(chunks), device=self.device), last]
        self.key_mask, self.key_pos = k_mask, k_pos
        self.length = self.length + real.sum(-1)

    def _as_mask(self, allowed):
        """A [rows, 1, queries, keys] mask as the attention implementation reads it."""
        mask = allowed[:, None, :, :]
        if not self.eager:
            return mask  # sdpa and flex read a boolean mask: True attends
        dtype = next(self.model.parameters()).dtype
        return self.torch.zeros(mask.shape, dtype=dtype, device=self.device).masked_fill(
            ~mask, self.torch.finfo(dtype).min)


def allowed_logits(model, hidden, rows_allowed: list[list[int]]) -> list[tuple[list[float], list[float]]]:
    """Each row's (logits, log-probabilities) over its allowed tokens, from the output head's
    allowed rows only; the log-probabilities are normalised over the allowed tokens, as the
    reference decoder's masked full-vocabulary softmax is."""
    import torch

    union = sorted({t for allowed in rows_allowed for t in allowed})
    index = {t: j for j, t in enumerate(union)}
    head = model.get_output_embeddings()
    ids = torch.tensor(union, device=hidden.device)
    bias = head.bias[ids] if getattr(head, "bias", None) is not None else None
    with torch.inference_mode():
        # in the model's dtype, then float32: what generate hands the logits processor
        # (the whole head, then these columns, chose the same tokens on 32 of 32 corpus messages)
        logits = torch.nn.functional.linear(hidden, head.weight[ids], bias)
        cap = getattr(model.config, "final_logit_softcapping", None)
        if cap is not None:
            logits = torch.tanh(logits / cap) * cap
        logits = logits.float()
        out = []
        for row, allowed in enumerate(rows_allowed):
            values = logits[row, torch.tensor([index[t] for t in allowed], device=hidden.device)]
            out.append((values.tolist(), torch.log_softmax(values, dim=-1).tolist()))
    return out


def _drain(walker: Walker, pending: list[int], budget: int, stats: DecodeStats) -> int:
    """Append the tokens the grammar forces (at most ``budget``); returns how many."""
    n = 0
    while n < budget and not walker.done:
        allowed = walker.allowed()
        if len(allowed) != 1:
            break
        walker.expect(None)
        walker.advance(allowed[0])
        pending.append(allowed[0])
        n += 1
    stats.forced_tokens += n
    return n


def decode_batch(model, prompts: Sequence[Sequence[int]], walkers: list[Walker], pad: int, max_new_tokens: int,
                 stats: DecodeStats | None = None) -> None:
    """Run each walker to the end of its answer (or of the token budget) on ``model``."""
    stats = stats or DecodeStats()
    stats.rows += len(walkers)
    budget = max(0, max_new_tokens - 1)  # tokens the reference decoder's walker reads (module docstring)
    batch = _Batch(model, prompts, pad)
    stats.forward_passes += 1
    active = list(range(len(walkers)))  # walker index of each batch row
    used = [0] * len(walkers)
    pending: list[list[int]] = [[] for _ in walkers]
    fresh = True  # batch.hidden is each active row's state after all its tokens
    while active:
        keep, choosers = [], []
        for row, w in enumerate(active):
            walker = walkers[w]
            if fresh and not pending[w]:
                used[w] += _drain(walker, pending[w], budget - used[w], stats)
            if walker.done or used[w] >= budget:
                continue
            keep.append(row)
            if fresh and not pending[w]:
                choosers.append(len(keep) - 1)
        if len(keep) < len(active):
            active = [active[r] for r in keep]
            if not active:
                break
            batch.keep(keep)
        if choosers:
            rows_allowed = [walkers[active[r]].allowed() for r in choosers]
            logps = allowed_logits(model, batch.hidden[choosers], rows_allowed)
            for r, allowed, (scores, lp) in zip(choosers, rows_allowed, logps):
                w = active[r]
                # greedy as generate's argmax: the highest score, ties to the lowest token id
                best = max(range(len(allowed)), key=lambda j: (scores[j], -allowed[j]))
                walkers[w].expect(dict(zip(allowed, lp)))
                walkers[w].advance(allowed[best])
                pending[w].append(allowed[best])
                used[w] += 1
                stats.chosen_tokens += 1
                used[w] += _drain(walkers[w], pending[w], budget - used[w], stats)
            still = [r for r, w in enumerate(active) if not (walkers[w].done or used[w] >= budget)]
            if len(still) < len(active):
                active = [active[r] for r in still]
                if not active:
                    break
                batch.keep(still)
        batch.feed([pending[w] for w in active])
        stats.forward_passes += 1
        for w in active:
            pending[w] = []
        fresh = True
