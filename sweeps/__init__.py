"""Sweep layer: ablation-grid specs, validation, planning, and dispatch on Ray Tune (design.md §1, §3, §6).

    spec.py        the YAML spec schema: load_spec / parse_spec, SpecError (every problem, each naming its key)
    expand.py      arms × grid × seeds, then branches → PlannedRun (name, arm, seed, parent, full run config)
    plan.py        Plan: the `sweep plan` table and JSON, cost totals, sweep.json (save_plan / load_plan)
    dispatch.py    Ray Tune: one trial per run, branch-aware scheduling, retries, the progress display, resume
    supervisor.py  the Tune trial: runs one run in a child process, streams its metrics to Tune, stop rules
    worker.py      the child process: one run through microcoder.backends.run_training
    stop_rules.py  early-stop rules on a metrics stream (pure)
    status.py      run states from the run store alone (`sweep status`, the progress display)
    cli.py         `microcoder sweep plan|run|resume|status`
    specs/         one spec per study figure (study scale on verl; `--scale micro` on the local backend), demo.yaml

See sweeps/README.md for the spec format and the commands.
"""
