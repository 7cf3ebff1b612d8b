"""Shared by the tests: a tiny local HF model directory (no hub), for verl and the data filter; reading a W&B
offline run back with wandb's own reader (`wandb leet inspect --json`) while wandb-core may still be writing it."""

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

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


_JSON_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}  # how protobuf JSON spells them


def wandb_inspect(run_dir):
    """The records of one W&B offline-run directory, as wandb prints them (`wandb leet inspect --json`: wandb-core
    reads its own transaction log), one dict per record: {"num", "type", <type>: {...}}."""
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_ERROR_REPORTING": "false", "WANDB_SILENT": "true"}
    done = subprocess.run([sys.executable, "-m", "wandb", "leet", "inspect", "--json", str(run_dir)], env=env,
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0 and "no such" in done.stderr.lower():  # click: "No such command/option"
        pytest.fail(f"this wandb cannot print its offline files (`wandb leet inspect --json`, wandb >= 0.31): "
                    f"{done.stderr.strip()}")
    done.check_returncode()
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def wandb_segment(run_dir):
    """One offline-run directory folded into {"id", "project", "group", "job_type", "name", "tags", "config",
    "history": [{"_step": 0, ...}], "summary", "metrics": {name: define_metric record}, "exit_code"}."""
    seg = {"config": {}, "history": [], "summary": {}, "metrics": {}, "exit_code": None, "tags": []}
    for rec in wandb_inspect(run_dir):
        kind, body = rec["type"], rec.get(rec["type"], {})
        if kind == "run":
            seg.update(id=body.get("run_id"), project=body.get("project"), group=body.get("run_group"),
                       job_type=body.get("job_type"), name=body.get("display_name"), tags=body.get("tags", []))
            seg["config"].update(body.get("config", {}).get("update", {}))
        elif kind == "config":
            seg["config"].update(body.get("update", {}))
        elif kind == "history":
            seg["history"].append({k: _JSON_FLOATS.get(v, v) if isinstance(v, str) else v
                                   for k, v in body["item"].items()})
        elif kind == "summary":
            seg["summary"].update(body.get("update", {}))
        elif kind == "metric":
            seg["metrics"].setdefault(body.get("name") or body.get("glob_name"), {}).update(body)
        elif kind == "exit":
            seg["exit_code"] = body.get("exit_code", 0)
    seg["config"].pop("_wandb", None)
    return seg


@pytest.fixture(scope="session")
def offline_run_when():
    """`read(path, ready)`: the W&B offline run(s) under `path` (a run store's directory) read by wandb itself, once
    `ready(run)` holds: wandb-core may still be writing the .wandb file when finish() returns (seen in CI under
    load). `run` is the newest offline-run directory's `wandb_segment`, with "segments": every directory's, oldest
    first (a restarted run writes one per start). Bounded: after `timeout_s` the last read is returned as it is."""

    def read_all(path):
        dirs = sorted(Path(path).glob("wandb/offline-run-*"), key=lambda d: d.name)  # named by start time
        segments = [wandb_segment(d) for d in dirs]
        return {**(segments[-1] if segments else {"history": [], "exit_code": None, "tags": []}),
                "segments": segments}

    def read(path, ready, timeout_s: float = 30.0):
        deadline = time.monotonic() + timeout_s
        while True:
            run = read_all(path)
            if ready(run) or time.monotonic() >= deadline:
                return run
            time.sleep(0.5)

    return read
