"""The MicroCoder trainer plug-in on verl's real objects: registration through VERL_USE_EXTERNAL_MODULES in a fresh
process (as a Ray worker gets it), the truncation mask on the nested tensors verl keeps in TransferQueue checked
against the local backend's functions on the same responses, and the validation hook on verl's own metric code."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

pytest.importorskip("verl")

from microcoder.backends.verl.launch import PLUGIN_MODULE  # noqa: E402
from microcoder.backends.verl.plugin import (MaskSettings, MicroCoderTrainer, mask_and_measure,  # noqa: E402
                                             reward_infos)
from microcoder.backends.verl.translate import TRAINER_MODE  # noqa: E402
from microcoder.recipe.diversity import response_diversity  # noqa: E402
from microcoder.recipe.truncation_mask import mask_advantages, mask_generator  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402
from verl.workers.utils.padding import response_to_nested  # noqa: E402

L_MAX = 8
M_WINDOW = 2


def test_the_plugin_registers_its_trainer_mode_in_a_fresh_process_through_verls_external_modules():
    code = ("import verl\n"
            "from verl.trainer.ppo.v1.trainer_base import get_trainer_cls\n"
            f"cls = get_trainer_cls({TRAINER_MODE!r})\n"
            "print(cls.__module__, cls.__name__)\n")
    env = {**os.environ, "VERL_USE_EXTERNAL_MODULES": PLUGIN_MODULE}
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=240)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.split()[-2:] == [PLUGIN_MODULE, "MicroCoderTrainer"]
    without = {k: v for k, v in env.items() if k != "VERL_USE_EXTERNAL_MODULES"}
    p = subprocess.run([sys.executable, "-c", code], env=without, capture_output=True, text=True, timeout=240)
    assert p.returncode != 0 and "Unknown trainer 'microcoder'" in p.stderr  # the env var is what brings it


def test_the_microcoder_trainer_behaves_as_verls_sync_mode_whatever_it_is_registered_as():
    trainer = object.__new__(MicroCoderTrainer)
    trainer.trainer_mode = TRAINER_MODE  # what verl's base __init__ assigns
    assert trainer.trainer_mode == "sync" and trainer.registered_mode == TRAINER_MODE


def _batch():
    """Eight responses in four GRPO groups of two; L_max = 8, m = 2. Row by row: what the mask should see."""
    rows = [
        # tokens                     acc  answered  what it is
        ([5, 6, 7, 8, 9, 10, 11, 12], 0.0, False),  # truncated before closing its answer: non-incorrect → masked
        ([5, 6, 7],                   1.0, True),   # short and correct: kept
        ([5, 6, 7, 8, 9, 10, 11, 13], 1.0, True),   # truncated and correct: masked
        ([5, 6, 7, 8, 9, 10, 11, 14], 0.0, True),   # truncated and wrong (closed block, failed): kept
        ([1, 2, 3, 4, 1, 2, 1, 2],    0.0, False),  # truncated, unanswered, but repetitive (last 2 = 2 before): kept
        ([9, 9],                      0.0, True),   # short and wrong: kept
        ([4, 5, 6, 7, 8, 9, 10, 11],  0.0, False),  # truncated, unanswered → masked
        ([3],                         1.0, True),   # short and correct
    ]
    tokens = [torch.tensor(t) for t, _, _ in rows]
    responses = torch.nested.as_nested_tensor(tokens, layout=torch.jagged)
    mask = torch.nested.as_nested_tensor([torch.ones(len(t), dtype=torch.int64) for t in tokens], layout=torch.jagged)
    adv_padded = torch.tensor([[1.0 + i] * L_MAX for i in range(len(rows))])
    advantages = response_to_nested(adv_padded, mask)  # verl's own helper, as its _compute_advantage writes them
    extra_fields = [{"reward_extra_info": {"score": acc, "acc": acc, "answered": answered, "platform": "atcoder"}}
                    for _, acc, answered in rows]
    uids = ["g0", "g0", "g1", "g1", "g2", "g2", "g3", "g3"]
    texts = [" ".join(f"t{x}" for x in t) for t, _, _ in rows]
    return advantages, responses, mask, reward_infos(extra_fields), uids, texts


def settings(mode="conditional", ratio=1.0, eligible="non-incorrect", seed=3):
    return MaskSettings(mode=mode, ratio=ratio, repeat_window=M_WINDOW, eligible=eligible, max_length=L_MAX,
                        seed=seed)


def test_conditional_mask_on_verls_nested_batch_zeroes_exactly_the_truncated_non_incorrect_non_repetitive_rows():
    advantages, responses, mask, infos, uids, texts = _batch()
    new, metrics = mask_and_measure(advantages, responses, mask, infos, uids, texts, settings(), step=5)
    assert new.is_nested and new.offsets().tolist() == advantages.offsets().tolist()
    zeroed = [bool((row == 0).all()) for row in new.unbind()]
    assert zeroed == [True, False, True, False, False, False, True, False]
    assert metrics["train/masked_fraction"] == 3 / 8
    assert metrics["train/truncated_fraction"] == 5 / 8 and metrics["train/repetitive_fraction"] == 1 / 8
    assert metrics["train/accuracy"] == pytest.approx(3 / 8)  # the pass, not the reward


def test_the_correct_reading_masks_only_truncated_responses_that_passed():
    advantages, responses, mask, infos, uids, texts = _batch()
    correct_only = settings(eligible="correct")
    new, metrics = mask_and_measure(advantages, responses, mask, infos, uids, texts, correct_only, 5)
    assert [bool((row == 0).all()) for row in new.unbind()] == [False, False, True, False, False, False, False, False]


@pytest.mark.parametrize("mode,ratio", [("none", 0.0), ("complete", 1.0), ("conditional", 0.3), ("conditional", 0.7)])
def test_the_plugin_masks_as_the_local_backend_does_on_the_same_responses_and_seed(mode, ratio):
    advantages, responses, mask, infos, uids, texts = _batch()
    new, metrics = mask_and_measure(advantages, responses, mask, infos, uids, texts, settings(mode, ratio), 11)
    local = mask_advantages(advantages.to_padded_tensor(0.0), responses.to_padded_tensor(0), mask.to_padded_tensor(0),
                            torch.tensor([i["acc"] == 1.0 for i in infos]),
                            torch.tensor([i["answered"] for i in infos]),
                            mode=mode, max_length=L_MAX, ratio=ratio, repeat_window=M_WINDOW,
                            generator=mask_generator(3, 11))
    assert torch.equal(new.to_padded_tensor(0.0), local.advantages)
    assert metrics["train/masked_fraction"] == local.fractions()["masked_fraction"]
    groups = [[texts[i], texts[i + 1]] for i in range(0, 8, 2)]
    assert metrics["train/response_diversity"] == response_diversity(groups, "distinct4")


def test_padding_rows_are_masked_like_any_row_but_left_out_of_the_metrics():
    advantages, responses, mask, infos, uids, texts = _batch()
    valid = np.array([True] * 6 + [False] * 2)
    _, metrics = mask_and_measure(advantages, responses, mask, infos, uids, texts, settings(), 5, valid)
    assert metrics["train/accuracy"] == pytest.approx(2 / 6)
    assert metrics["train/masked_fraction"] == pytest.approx(2 / 6)
    assert metrics["train/truncated_fraction"] == pytest.approx(4 / 6)


def test_a_reward_without_acc_is_refused_naming_the_reward_function():
    advantages, responses, mask, infos, uids, texts = _batch()
    infos[2] = {"score": 1.0}
    with pytest.raises(KeyError, match="compute_score"):
        mask_and_measure(advantages, responses, mask, infos, uids, texts, settings(), 5)


def test_a_job_config_without_the_mask_settings_is_refused():
    with pytest.raises(ValueError, match="microcoder.mask"):
        MaskSettings.from_config(OmegaConf.create({"data": {"max_response_length": 8, "seed": 1}}))
    cfg = OmegaConf.create({"data": {"max_response_length": 8, "seed": 1},
                            "microcoder": {"mask": {"mode": "conditional", "ratio": 0.2, "repeat_window": 128,
                                                    "eligible": "non-incorrect", "seed": 1}}})
    assert MaskSettings.from_config(cfg) == MaskSettings("conditional", 0.2, 128, "non-incorrect", 8, 1)
    cfg.microcoder.mask.mode = "sometimes"
    with pytest.raises(KeyError, match="conditional"):
        MaskSettings.from_config(cfg)


def test_validation_adds_test_accuracy_over_all_sources_and_per_platform_and_difficulty():
    trainer = object.__new__(MicroCoderTrainer)
    sources = ["lcb", "lcb", "lcb", "lcb", "cf", "cf"]
    uids = ["a", "a", "b", "b", "c", "c"]
    infos = {"reward": [0.69, -0.56, 1.0, 0.0, 1.0, 1.0],  # DAPO's penalised scores
             "acc": [1.0, 1.0, 1.0, 0.0, 1.0, 1.0],
             "platform": ["atcoder", "atcoder", "leetcode", "leetcode", "codeforces", "codeforces"],
             "difficulty": ["easy", "easy", "hard", "hard", "medium", "medium"]}
    out = trainer._val_metrics_update(sources, uids, infos, [1] * 6,
                                      expected_acc_counts={("lcb", "a"): 2, ("lcb", "b"): 2, ("cf", "c"): 2})
    assert out["val-core/lcb/acc/mean@2"] == 0.75  # verl's own, per data_source
    assert out["test/accuracy"] == pytest.approx(5 / 6)
    assert out["test/accuracy/atcoder/easy"] == 1.0 and out["test/accuracy/leetcode/hard"] == 0.5
    assert out["test/accuracy/codeforces/medium"] == 1.0
    json.dumps({k: v for k, v in out.items() if k.startswith("test/")})  # ours are plain floats
