"""Our compute_score as verl 0.9.1 loads and calls it: verl's own `load_reward_manager` (the reward loader behind its
reward workers) with a study run's translated config, DAPO and naive managers, scoring real decoded responses.
`acc` is the pass itself; DAPO's overlong penalty reaches the score, never `acc`."""

import json

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_dir

pytest.importorskip("verl")

from microcoder.backends.verl.translate import verl_config_dir, verl_overrides  # noqa: E402
from microcoder.config import load_config  # noqa: E402
from microcoder.data.micro import generate, to_records  # noqa: E402

STUDY = ["model.preset=qwen3-4b-instruct", "data.train=open-r1", "data.test=open-r1", "data.max_response_length=64",
         "data.max_prompt_length=64", "reward.overlong_buffer.len=32", "reward.overlong_buffer.penalty_factor=1.0"]


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


def manager_for(tmp_path, tokenizer, *extra):
    from verl.trainer.ppo.reward import load_reward_manager

    cfg = load_config(None, STUDY + list(extra), preset="dapo")
    with initialize_config_dir(config_dir=str(verl_config_dir()), version_base=None):
        config = compose(config_name="ppo_trainer",
                         overrides=verl_overrides(cfg, checkpoints_dir=tmp_path, run_name="r"))
    return config, load_reward_manager(config, tokenizer)


def item(tokenizer, record, response: str, pad_to: int):
    """One response as verl's agent loop hands it to a reward manager: [prompt | response] ids, attention mask."""
    ids = tokenizer(response, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids, skip_special_tokens=True) == response  # a real round trip through the tokenizer
    resp = torch.tensor(ids + [tokenizer.pad_token_id] * (pad_to - len(ids)))
    prompt = torch.tensor([tokenizer.pad_token_id, 5, 6])
    attention = torch.cat([torch.tensor([0, 1, 1]), (torch.arange(pad_to) < len(ids)).long()])
    from verl import DataProto

    return DataProto.from_dict(
        tensors={"prompts": prompt[None], "responses": resp[None], "attention_mask": attention[None]},
        non_tensors={"data_source": np.array([record["data_source"]], dtype=object),
                     "reward_model": np.array([record["reward_model"]], dtype=object),
                     "extra_info": np.array([record["extra_info"]], dtype=object)}), len(ids)


@pytest.fixture(scope="module")
def problem():
    mp = generate(1, tier="easy", seed=3, split="test")[0]
    return mp, to_records([mp])[0]


@pytest.mark.parametrize("manager", ["dapo", "naive"])
def test_verl_loads_our_compute_score_by_package_path_and_scores_decoded_responses(manager, tmp_path, tokenizer,
                                                                                   problem):
    mp, record = problem
    extra = ["reward.overlong_buffer.enable=false"] if manager == "naive" else []
    config, rm = manager_for(tmp_path, tokenizer, *extra)
    assert config.reward.custom_reward_function.path == "pkg://microcoder.evaluator.judge"
    assert type(rm).__name__ == ("DAPORewardManager" if manager == "dapo" else "NaiveRewardManager")
    good = f"```python\n{mp.correct[0].code}\n```"
    bad = f"```python\n{mp.wrong[0]}\n```"
    crash = "```python\nraise SystemExit(3)\n```"
    for response, acc in ((good, 1.0), (bad, 0.0), (crash, 0.0)):
        data, _ = item(tokenizer, record, response, pad_to=64)
        out = rm.loop.run_until_complete(rm.run_single(data))  # the manager's own loop, as in a reward worker
        info = out["reward_extra_info"]
        assert info["acc"] == acc and info["answered"] is True, (response, info)
        assert info["platform"] == record["extra_info"]["platform"]
        json.dumps(info)  # plain values: verl stacks them into numpy arrays


def test_dapos_overlong_penalty_lowers_the_score_but_never_acc(tmp_path, tokenizer, problem):
    mp, record = problem
    _, rm = manager_for(tmp_path, tokenizer)
    body = mp.correct[0].code
    long = "```python\n" + body + "\n" + "\n".join(["# pad pad pad pad"] * 40) + "\n```"
    data, length = item(tokenizer, record, long, pad_to=max(64, len(tokenizer(long)["input_ids"])))
    assert length > 64 - 32  # inside DAPO's overlong buffer: penalised
    out = rm.loop.run_until_complete(rm.run_single(data))  # the manager's own loop, as in a reward worker
    assert out["reward_extra_info"]["acc"] == 1.0 and out["reward_score"] < 1.0


def test_a_reward_worker_keeps_one_sandbox_pool_sized_by_its_nodes_share_of_the_cores(tmp_path):
    import os
    import subprocess
    import sys

    code = ("import os, json\n"
            "from microcoder.evaluator import compute_score\n"
            "from microcoder.evaluator.sandbox import shared_pool\n"
            "gt = json.dumps({'inputs': ['1 2'], 'outputs': ['3'], 'fn_name': None})\n"
            "for _ in range(3):\n"
            "    compute_score('x', '```python\\nprint(sum(map(int, input().split())))\\n```', gt, workers_per_node=2)\n"
            "pool = shared_pool()\n"
            "print(pool.size, len(pool._all))\n")
    env = {k: v for k, v in os.environ.items() if k != "MICROCODER_SANDBOX_WORKERS"}
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    expected = max(1, (os.cpu_count() or 1) // 2)
    assert p.stdout.split() == [str(expected), str(expected)]  # one pool for every call, never one per call
