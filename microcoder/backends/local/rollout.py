"""Rollout for the local backend: sample n responses per prompt with the KV cache, and score token log-probs.

Layout (shared with the update): prompts are LEFT-padded `[B, P]`, responses RIGHT-padded `[B, T]` (real tokens
first, the EOS token included, padding after), with B = prompts × n in grouped order (rows i·n … i·n+n−1 belong
to prompt i). Log-probs are taken from logits divided by the sampling temperature, as verl's actor does, so the
PPO ratio compares the same distributions that produced the samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass
class Rollout:
    prompt_ids: Tensor  # [B, P] left-padded
    prompt_mask: Tensor  # [B, P]
    response_ids: Tensor  # [B, T] right-padded, EOS included when produced
    response_mask: Tensor  # [B, T]
    texts: list[str]  # decoded responses, special tokens removed
    truncated: Tensor  # [B] bool: reached max_new_tokens without EOS

    @property
    def lengths(self) -> Tensor:
        return self.response_mask.sum(-1)


def _device(model) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def sample(model, tokenizer, prompts: list[str], *, n: int, temperature: float, top_p: float,
           max_new_tokens: int, seed: int | None = None, batch_size: int = 256) -> Rollout:
    """Sample `n` responses for each prompt string (already formatted for the model).

    temperature 0 means greedy decoding. Returns a `Rollout` with B = len(prompts) · n rows.
    """
    device = _device(model)
    expanded = [p for p in prompts for _ in range(n)]
    if seed is not None:
        torch.manual_seed(seed)
    eos_id, pad_id = tokenizer.eos_token_id, tokenizer.pad_token_id
    chunks = []
    for start in range(0, len(expanded), batch_size):
        part = expanded[start: start + batch_size]
        enc = tokenizer(part, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        kwargs = dict(do_sample=temperature > 0, max_new_tokens=max_new_tokens, eos_token_id=eos_id,
                      pad_token_id=pad_id, use_cache=True)
        if temperature > 0:
            kwargs.update(temperature=float(temperature), top_p=float(top_p), top_k=0)
        out = model.generate(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], **kwargs)
        chunks.append((enc["input_ids"], enc["attention_mask"], out[:, enc["input_ids"].shape[1]:]))
    p_width = max(c[0].shape[1] for c in chunks)
    r_width = max(max(c[2].shape[1] for c in chunks), 1)
    B = len(expanded)
    prompt_ids = torch.full((B, p_width), pad_id, dtype=torch.long, device=device)
    prompt_mask = torch.zeros((B, p_width), dtype=torch.long, device=device)
    response_ids = torch.full((B, r_width), pad_id, dtype=torch.long, device=device)
    row = 0
    for ids, mask, resp in chunks:
        b = ids.shape[0]
        prompt_ids[row: row + b, p_width - ids.shape[1]:] = ids
        prompt_mask[row: row + b, p_width - ids.shape[1]:] = mask
        response_ids[row: row + b, : resp.shape[1]] = resp
        row += b
    # real tokens: everything up to and including the first EOS
    is_eos = response_ids == eos_id
    after_eos = (is_eos.long().cumsum(-1) - is_eos.long()) > 0
    response_mask = (~after_eos).long()
    # positions past what generate produced (batch chunks of different width) are padding, not tokens
    produced = torch.zeros(B, dtype=torch.long, device=device)
    row = 0
    for ids, mask, resp in chunks:
        produced[row: row + ids.shape[0]] = resp.shape[1]
        row += ids.shape[0]
    col = torch.arange(r_width, device=device).unsqueeze(0)
    response_mask = response_mask * (col < produced.unsqueeze(1)).long()
    response_ids = torch.where(response_mask.bool(), response_ids, torch.full_like(response_ids, pad_id))
    has_eos = (is_eos & response_mask.bool()).any(-1)
    lengths = response_mask.sum(-1)
    truncated = (~has_eos) & (lengths >= max_new_tokens)
    texts = tokenizer.batch_decode([r[: int(l)] for r, l in zip(response_ids, lengths)], skip_special_tokens=True)
    return Rollout(prompt_ids, prompt_mask, response_ids, response_mask, texts, truncated)


def token_logprobs(model, prompt_ids: Tensor, prompt_mask: Tensor, response_ids: Tensor, response_mask: Tensor,
                   temperature: float, with_entropy: bool = False) -> tuple[Tensor, Tensor | None]:
    """Log-probability of each response token under `model` (logits / temperature), and optionally the entropy.

    prompt_* [B, P], response_* [B, T] → (logp [B, T], entropy [B, T] or None). Gradients flow unless the caller
    wraps it in `torch.no_grad()`.
    """
    input_ids = torch.cat([prompt_ids, response_ids], dim=1)
    attn = torch.cat([prompt_mask, response_mask], dim=1)
    position_ids = (attn.cumsum(-1) - 1).clamp(min=0)
    logits = model(input_ids=input_ids, attention_mask=attn, position_ids=position_ids, use_cache=False).logits
    P = prompt_ids.shape[1]
    logits = logits[:, P - 1: -1, :].float()
    if temperature and temperature > 0:
        logits = logits / temperature
    logp_all = F.log_softmax(logits, dim=-1)
    logp = logp_all.gather(-1, response_ids.unsqueeze(-1)).squeeze(-1)
    entropy = None
    if with_entropy:
        entropy = -(logp_all.exp() * logp_all).sum(-1)
    return logp, entropy
