"""Analysis: load runs into pandas and redraw the study's figures, results table and report (design.md §1).

    loading.py         run-store folders (and sweep.json) → `Runs`; `load(...)` also adds W&B online runs
    wandb_loading.py   W&B online (`wandb.Api`, full `scan_history`, parquet cache)
    records.py, runs.py, sweep.py   run records → the tidy DataFrame (`Runs.frame`) and per-sweep views (`Sweep`)
    smoothing.py, curves.py         EMA, mean and 95 % band over seeds, bootstrap; per-arm curves
    style.py, figures/              the study's look; one function per study figure in the FIGURES registry
    table.py, findings.py, findings_claims.py, report.py   results table, claims with CIs, report.md/html
    cli.py             `microcoder figures RUNS_DIR... [--wandb ENTITY/PROJECT --sweep NAME] [--out figures/]`

This package never imports a training backend or Ray: it reads what runs wrote.
"""
