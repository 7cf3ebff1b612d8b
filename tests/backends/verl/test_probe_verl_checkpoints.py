"""`microcoder probe` on a verl run: its checkpoints are verl's `global_step_K/actor/` folders, read through the HF
export the translation asks verl to write beside them (`actor/huggingface`)."""

import pytest
import torch
from transformers import AutoModelForCausalLM

from microcoder.config import load_config, to_dict
from microcoder.probes import Prober
from microcoder.run_store import RunStore


def verl_run(tmp_path, model_dir):
    store = RunStore(tmp_path, "s", "r")
    cfg = load_config(None, [f"model.path={model_dir}", "data.test=micro-easy"], preset="dapo")
    store.write_config(to_dict(cfg))
    return store, cfg


def test_the_prober_loads_a_verl_checkpoint_from_its_hf_export(tmp_path, tiny_model):
    store, cfg = verl_run(tmp_path, tiny_model)
    trained = AutoModelForCausalLM.from_pretrained(tiny_model)
    with torch.no_grad():
        for p in trained.parameters():
            p.add_(0.5)
    trained.save_pretrained(store.checkpoint_path(20) / "actor" / "huggingface")
    prober = Prober(store.dir, log=lambda s: None)
    try:
        assert [s for s, _ in prober.checkpoints("all")] == [20]
        before = next(prober.policy.model.parameters()).clone()
        prober.load(prober.checkpoints("last")[0][1])
        after = next(prober.policy.model.parameters())
        assert torch.allclose(after, before + 0.5)
    finally:
        prober.close()


def test_a_verl_checkpoint_without_its_hf_export_names_verls_model_merger(tmp_path, tiny_model):
    store, _ = verl_run(tmp_path, tiny_model)
    (store.checkpoint_path(20) / "actor").mkdir(parents=True)
    prober = Prober(store.dir, log=lambda s: None)
    try:
        with pytest.raises(FileNotFoundError, match="verl.model_merger merge --backend fsdp"):
            prober.load(store.checkpoint_path(20))
    finally:
        prober.close()
