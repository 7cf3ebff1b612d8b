"""The `micro` model preset: a tiny Qwen2-architecture policy that writes Python on a CPU, warm-started.

What: a byte-level BPE tokenizer (digits split) trained on the micro task suite's prompts and programs, a ~2M
parameter Qwen2 (hidden 192, 4 layers, 6 heads / 2 KV heads, tied embeddings) built from a config, and a short
supervised warm start so the policy starts at a non-trivial accuracy with room to improve.

Why this warm start (design.md §9): trained on correct solutions only, GRPO has little to fix; trained on a
MIXTURE — each example's target is a correct solution with probability `correct_prob`, otherwise a subtly wrong
variant that runs but answers wrongly (off-by-one constant, swapped operator, max↔min, …) — the policy can solve
the tasks but not reliably, which is what RL then improves: an honest analogue of a base model.

How: `load_micro(cache_dir)` returns (model, tokenizer), building and caching them on first use
(`warm_start_steps` supervised steps, a few minutes on 2 cores; a file lock makes concurrent runs wait for one
build). The build is step-based, so the same spec gives the same model on any machine.
Prompts use `format_prompt`; a response is a fenced python block followed by the EOS token.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch

USER, ASSISTANT, EOS, PAD = "<|user|>", "<|assistant|>", "<|endoftext|>", "<|pad|>"
BUILD_VERSION = 1  # bump when the recipe below changes: cached builds are keyed on it


@dataclass(frozen=True)
class MicroSpec:
    """Everything that determines a micro build (its hash names the cache folder)."""

    vocab_size: int = 640
    hidden_size: int = 192
    num_layers: int = 4
    num_heads: int = 6
    num_kv_heads: int = 2
    intermediate_size: int = 512
    max_positions: int = 512
    warm_start_steps: int = 300
    warm_start_max_seconds: float = 1200.0  # a safety cap on slow machines; the build is step-based
    batch_size: int = 64
    lr: float = 2e-3
    warmup_steps: int = 30
    correct_prob: float = 0.5
    corpus_problems: int = 3000
    seed: int = 0

    def key(self) -> str:
        blob = json.dumps({**asdict(self), "v": BUILD_VERSION}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


def default_cache_dir() -> Path:
    return Path(os.environ.get("MICROCODER_CACHE", Path.home() / ".cache" / "microcoder"))


def format_prompt(prompt: str) -> str:
    """The text the micro policy is conditioned on."""
    return f"{USER}{prompt.strip()}{ASSISTANT}"


def format_response(code: str) -> str:
    """The text the micro policy is trained to produce for `code` (without the EOS token)."""
    return f"```python\n{code.strip()}\n```"


# ------------------------------------------------------------------------------------------------ builders

def build_tokenizer(texts: list[str], vocab_size: int):
    """Byte-level BPE with single-digit tokens, wrapped as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[PAD, EOS, USER, ASSISTANT],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token=PAD, eos_token=EOS,
                                   additional_special_tokens=[USER, ASSISTANT])
    fast.padding_side = "left"
    return fast


def build_model(spec: MicroSpec, vocab_size: int, pad_id: int, eos_id: int):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    cfg = Qwen2Config(
        vocab_size=vocab_size, hidden_size=spec.hidden_size, intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.num_layers, num_attention_heads=spec.num_heads,
        num_key_value_heads=spec.num_kv_heads, max_position_embeddings=spec.max_positions,
        tie_word_embeddings=True, pad_token_id=pad_id, eos_token_id=eos_id, bos_token_id=eos_id,
        use_cache=True,
    )
    torch.manual_seed(spec.seed)
    return Qwen2ForCausalLM(cfg)


def _corpus(spec: MicroSpec):
    from microcoder.data.micro import generate

    half = spec.corpus_problems // 2
    return (generate(half, tier="easy", seed=spec.seed, split="train")
            + generate(spec.corpus_problems - half, tier="hard", seed=spec.seed + 1, split="train"))


def warm_start(model, tokenizer, problems, spec: MicroSpec, log: Callable[[str], None] = print) -> dict:
    """Supervised pass on the correct/wrong mixture; loss on response tokens only. Returns a summary."""
    rng = random.Random(spec.seed)
    torch.manual_seed(spec.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=spec.lr, betas=(0.9, 0.98), weight_decay=0.01)
    eos = tokenizer.eos_token
    model.train()
    start, step, losses = time.monotonic(), 0, []
    while step < spec.warm_start_steps and time.monotonic() - start < spec.warm_start_max_seconds:
        batch = rng.sample(problems, min(spec.batch_size, len(problems)))
        prompts, targets = [], []
        for p in batch:
            use_wrong = p.wrong and rng.random() >= spec.correct_prob
            code = rng.choice(p.wrong) if use_wrong else rng.choice(p.solutions)
            prompts.append(format_prompt(p.prompt))
            targets.append(format_response(code) + eos)
        p_ids = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in prompts]
        t_ids = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in targets]
        seqs = [(a + b)[: spec.max_positions] for a, b in zip(p_ids, t_ids)]
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), tokenizer.pad_token_id, dtype=torch.long)
        labels = torch.full_like(ids, -100)
        attn = torch.zeros_like(ids)
        for i, (s, a) in enumerate(zip(seqs, p_ids)):
            ids[i, : len(s)] = torch.tensor(s)
            attn[i, : len(s)] = 1
            labels[i, len(a): len(s)] = torch.tensor(s[len(a):])
        # linear warm-up, then cosine decay to 10 % over the remaining steps
        progress = max(0.0, (step - spec.warmup_steps) / max(1, spec.warm_start_steps - spec.warmup_steps))
        lr = spec.lr * min(1.0, (step + 1) / spec.warmup_steps) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        loss = model(input_ids=ids, attention_mask=attn, labels=labels).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        step += 1
        if step % 25 == 0:
            log(f"  warm start step {step:4d}  loss {sum(losses[-25:]) / len(losses[-25:]):.3f}  "
                f"{time.monotonic() - start:5.0f}s")
    model.eval()
    return {"steps": step, "seconds": round(time.monotonic() - start, 1),
            "final_loss": round(sum(losses[-25:]) / max(1, len(losses[-25:])), 4) if losses else math.nan}


def load_micro(cache_dir: str | Path | None = None, spec: MicroSpec = MicroSpec(),
               log: Callable[[str], None] = print):
    """(model, tokenizer) of the micro preset, built once and cached under `cache_dir/models/micro-<key>`."""
    from transformers import AutoTokenizer, Qwen2ForCausalLM

    root = Path(cache_dir or default_cache_dir()) / "models"
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"micro-{spec.key()}"
    with open(root / f".micro-{spec.key()}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel trials wait for one build instead of racing
        if not (target / "build.json").exists():
            log(f"building the micro model preset into {target} (once; {spec.warm_start_steps} warm-start steps, "
                "a few minutes on 2 cores)")
            problems = _corpus(spec)
            texts = [format_prompt(p.prompt) + format_response(c) for p in problems for c in p.solutions + p.wrong]
            tokenizer = build_tokenizer(texts, spec.vocab_size)
            model = build_model(spec, len(tokenizer), tokenizer.pad_token_id, tokenizer.eos_token_id)
            summary = warm_start(model, tokenizer, problems, spec, log)
            tmp = target.with_name(target.name + ".tmp")
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            n_params = sum(p.numel() for p in model.parameters())
            (tmp / "build.json").write_text(json.dumps(
                {"spec": asdict(spec), "warm_start": summary, "parameters": n_params, "version": BUILD_VERSION},
                indent=2))
            if target.exists():
                import shutil

                shutil.rmtree(target)
            tmp.rename(target)
            log(f"micro preset ready: {n_params / 1e6:.2f}M parameters, warm start {summary}")
    tokenizer = AutoTokenizer.from_pretrained(target)
    tokenizer.padding_side = "left"
    model = Qwen2ForCausalLM.from_pretrained(target, dtype=torch.float32)
    model.eval()
    return model, tokenizer
