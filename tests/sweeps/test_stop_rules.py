"""Early-stop rules on a metrics stream (pure)."""

import math

from sweeps.spec import StopRule
from sweeps.stop_rules import StopWatch

DIVERSITY = StopRule("train/response_diversity", 0.3, below=True, for_steps=3)


def rows(values, metric="train/response_diversity", start=0):
    return [{"step": start + i, **({} if v is None else {metric: v})} for i, v in enumerate(values)]


def first_stop(rule, stream):
    watch = StopWatch([rule])
    for row in stream:
        reason = watch.update(row)
        if reason:
            return reason
    return None


def test_diversity_below_threshold_for_n_consecutive_steps_stops_the_run():
    reason = first_stop(DIVERSITY, rows([0.5, 0.29, 0.28, 0.27, 0.1]))
    assert reason == {"rule": "train/response_diversity < 0.3 for 3 steps", "metric": "train/response_diversity",
                      "value": 0.27, "step": 3}


def test_a_step_above_the_threshold_resets_the_count():
    assert first_stop(DIVERSITY, rows([0.2, 0.2, 0.5, 0.2, 0.2])) is None


def test_rows_without_the_metric_neither_count_nor_reset():
    assert first_stop(DIVERSITY, rows([0.2, None, 0.2, None, 0.2]))["step"] == 4


def test_min_step_ignores_early_steps_and_nan_never_counts():
    rule = StopRule("train/response_diversity", 0.3, below=True, for_steps=2, min_step=3)
    assert first_stop(rule, rows([0.1, 0.1, 0.1, 0.1, 0.1]))["step"] == 4
    assert first_stop(DIVERSITY, rows([math.nan] * 5)) is None


def test_above_rules():
    rule = StopRule("train/temperature", 1.5, below=False, for_steps=1)
    assert first_stop(rule, rows([1.2, 1.4, 1.6], metric="train/temperature"))["step"] == 2


def test_steps_recomputed_after_a_resume_replace_the_old_ones():
    watch = StopWatch([DIVERSITY])
    for row in rows([0.2, 0.2, 0.5, 0.5]):
        assert watch.update(row) is None
    # the run restarts from its step-1 checkpoint and recomputes steps 2.. with other values
    assert watch.update({"step": 2, "train/response_diversity": 0.1})["step"] == 2
