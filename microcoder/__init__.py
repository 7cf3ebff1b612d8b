"""MicroCoder: the recipe (run config, evaluator + sandbox, masks, schedules, diversity, backends, tracking)."""

__version__ = "0.1.0"
