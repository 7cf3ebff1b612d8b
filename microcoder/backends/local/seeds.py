"""The random streams of a local run, each named once: which seed drives what, derived from `trainer.seed`.

Every stream is a pure function of the run's seed and a counter (a step or an epoch), never of what ran before,
so a resumed run or a branch draws exactly what an uninterrupted run would, and every arm of a sweep with the same
seed sees the same prompts in the same order. The multipliers are primes, to keep streams apart for nearby seeds
and steps; changing any of them changes every run's numbers.

    global RNGs         random / numpy / torch seeded with `trainer.seed` once at start (saved in checkpoints)
    DATASET_SEED        which problems the train and test sets hold: the same for every seed and arm
    data_order_seed     the shuffle of the training set in one epoch
    rollout_seed        the sampling of one training step's responses
    eval_seed           the sampling of one evaluation on the fixed test set
    probe_seed          the sampling of an `auto` temperature schedule's diversity probes
    mask draws          `microcoder.recipe.truncation_mask.mask_generator(seed, step)`, shared with the verl backend
"""

from __future__ import annotations

DATASET_SEED = 0
"""Seed of the train/test set subsample (`data.train_size`, `data.test_size`): independent of `trainer.seed`."""

DATA_ORDER_PRIME = 100_003
ROLLOUT_PRIME = 1_000_003
EVAL_PRIME = 7_919


def data_order_seed(seed: int, epoch: int) -> int:
    """Seed of the training set's shuffle in `epoch` (the same for every arm of a sweep with this seed)."""
    return seed * DATA_ORDER_PRIME + epoch


def rollout_seed(seed: int, step: int) -> int:
    """Seed of the responses sampled at training `step`."""
    return seed * ROLLOUT_PRIME + step


def eval_seed(seed: int, step: int) -> int:
    """Seed of the test-set responses sampled at the evaluation after `step` (step 0: before training)."""
    return seed * EVAL_PRIME + step


def probe_seed(seed: int) -> int:
    """Seed of the diversity probes of an `auto` temperature schedule (the same draws for every candidate)."""
    return seed
