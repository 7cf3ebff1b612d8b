"""Early-stop rules on a run's metrics stream (the spec's `stop:`), evaluated step by step by the trial supervisor.

A rule stops a run once its metric has been below (or above) a threshold on `for_steps` consecutive logged steps
that carry the metric, counting only steps >= `min_step`; a step without the metric neither counts nor resets.
The study's "critical diversity threshold" is `{metric: train/response_diversity, below: 0.3, for_steps: 20}`:
once diversity has collapsed for that long, the run does not recover (MicroCoder-Insights, figures 9 and 12).

    watch = StopWatch(spec.stop)
    for row in rows:                      # metrics.jsonl rows in step order
        reason = watch.update(row)        # None, or the first rule met: {"rule", "metric", "value", "step"}
"""

from __future__ import annotations

import math
from typing import Iterable, Optional

from .spec import StopRule

__all__ = ["StopWatch", "rule_met"]


def rule_met(rule: StopRule, value: float) -> bool:
    """True when `value` is on the stopping side of the rule's threshold (NaN never is)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return value < rule.threshold if rule.below else value > rule.threshold


class StopWatch:
    """Consecutive-step counters of every rule over a stream of metric rows."""

    def __init__(self, rules: Iterable[StopRule]):
        self.rules = list(rules)
        self.counts = [0] * len(self.rules)
        self.rows: list[dict] = []

    def update(self, row: dict) -> Optional[dict]:
        """Feed the next row. Returns the stop reason of the first rule that is met, else None. A row at or
        before the last step seen replaces the history from that step on (a run resumed from a checkpoint
        recomputes those steps): the counters are rebuilt from the rows before it."""
        step = row.get("step")
        if not isinstance(step, int):
            return None
        if self.rows and step <= self.rows[-1]["step"]:
            kept = [r for r in self.rows if r["step"] < step]
            self.counts, self.rows = [0] * len(self.rules), []
            for r in kept:
                self._count(r)
        return self._count(row)

    def _count(self, row: dict) -> Optional[dict]:
        self.rows.append(row)
        step, reason = row["step"], None
        for i, rule in enumerate(self.rules):
            if step < rule.min_step or not isinstance(row.get(rule.metric), (int, float)):
                continue
            value = row[rule.metric]
            self.counts[i] = self.counts[i] + 1 if rule_met(rule, value) else 0
            if reason is None and self.counts[i] >= rule.for_steps:
                reason = {"rule": rule.describe(), "metric": rule.metric, "value": value, "step": step}
        return reason
