"""Shared by the tests: a tiny local HF model directory (no hub), for verl and the data filter; reading a W&B
offline run that wandb-core may still be writing."""

import time

import pytest

CHAT_TEMPLATE = ("{% for m in messages %}<|user|>{{ m['content'] }}{% endfor %}"
                 "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def tiny_model_dir(path):
    from microcoder.models.micro import MicroSpec, build_model, build_tokenizer

    from microcoder.data.micro import generate

    texts = [p.prompt for p in generate(40, tier="mixed", seed=1, split="train")] + ["```python\nprint(1)\n```"]
    tok = build_tokenizer(texts, 300)
    tok.chat_template = CHAT_TEMPLATE
    spec = MicroSpec(hidden_size=32, num_layers=1, num_heads=2, num_kv_heads=1, intermediate_size=64)
    build_model(spec, len(tok), tok.pad_token_id, tok.eos_token_id).save_pretrained(path)
    tok.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A random tiny Qwen2 with a byte-level BPE tokenizer and a chat template, saved as an HF directory."""
    return tiny_model_dir(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="session")
def offline_run_when():
    """read_offline_run(path) once `ready(run)` holds: wandb-core may still be writing the .wandb file when
    finish() returns (seen in CI under load). Bounded: after `timeout_s` the last read is returned as it is."""
    from microcoder.wandb_offline import read_offline_run

    def read(path, ready, timeout_s: float = 30.0):
        deadline = time.monotonic() + timeout_s
        run = read_offline_run(path)
        while not ready(run) and time.monotonic() < deadline:
            time.sleep(0.5)
            run = read_offline_run(path)
        return run

    return read
