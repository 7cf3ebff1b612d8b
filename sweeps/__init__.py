"""Sweep layer: ablation-grid specs, validation, planning, and dispatch on Ray Tune (see design.md §1)."""
