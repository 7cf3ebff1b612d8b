"""The study's knobs as pure functions: schedules, truncation masks, response diversity.

Each knob is one module with one registry (`SCHEDULES`, `MASKS`, `DIVERSITY`), chosen by name from the run
config (`microcoder/config.py`); `MASKS` is declared in `mask_registry.py` so the config checks mask names without
importing torch. Nothing here trains: the backends call these functions once per step.

    from microcoder.recipe.schedules import make_schedule
    from microcoder.recipe.truncation_mask import compute_truncation_mask, apply_mask
    from microcoder.recipe.diversity import response_diversity
"""
