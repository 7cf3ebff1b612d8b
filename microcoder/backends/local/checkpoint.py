"""Checkpoints of a local run: `checkpoints/global_step_<k>/` (verl's naming) holding the policy (HF format),
the optimizer, the RNG states and the trainer state (step, resolved schedule values such as an `auto`
temperature's choice), so a resumed run or a branch continues exactly where its parent was at step k.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import torch

STATE_FILE = "trainer_state.json"


def save_checkpoint(path: Path, model, tokenizer, optimizer, state: dict) -> None:
    """Write atomically: a crash mid-save never leaves a half checkpoint that looks complete."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    torch.save({"optimizer": optimizer.state_dict(),
                "rng": {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}},
               tmp / "optim_rng.pt")
    (tmp / STATE_FILE).write_text(json.dumps(state, indent=2))
    shutil.rmtree(path, ignore_errors=True)
    tmp.rename(path)


def read_state(path: Path) -> dict:
    return json.loads((Path(path) / STATE_FILE).read_text())


def load_checkpoint(path: Path, model, optimizer=None, restore_rng: bool = True) -> dict:
    """Load weights (and optimizer / RNG) from `path` into the given objects; returns the trainer state."""
    from transformers import AutoModelForCausalLM

    path = Path(path)
    if not (path / STATE_FILE).exists():
        raise FileNotFoundError(f"not a complete checkpoint: {path} (no {STATE_FILE})")
    loaded = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    extra = torch.load(path / "optim_rng.pt", weights_only=False)
    if optimizer is not None:
        optimizer.load_state_dict(extra["optimizer"])
    if restore_rng:
        torch.set_rng_state(extra["rng"]["torch"])
        np.random.set_state(extra["rng"]["numpy"])
        random.setstate(extra["rng"]["python"])
    return read_state(path)
