"""The verl backend: one run as a verl 0.9.1 `main_ppo` Ray job, its metrics streamed back into the run store.

GPU PATH UNVERIFIED HERE. On CPU the job is checked as far as verl goes without a GPU (tests/backends/verl/):
the overrides pass verl's own `validate_config` for every study run, and `main_ppo` on a local Ray gets through
config, data, the MicroCoder trainer plug-in and trainer construction up to verl's GPU resource check.

`run_verl(cfg, out_dir, sweep=..., run=..., ...)` mirrors `run_local`'s signature (the sweep layer calls either):
  1. opens the run store folder and the Tracker (W&B group=sweep, job_type=arm, as for local runs);
  2. builds the job with `launch.verl_job` (the one description `sweep plan --json` and `train --dry-run` print):
     checkpoints go to the run store's checkpoints/ (verl's `trainer.default_local_dir`, so `latest_checkpoint()` and
     branches see them) and are pruned by the keep policy (checkpoints.py; `keep_steps` = branch points); a branch
     starts from its parent's `global_step_K` (`trainer.resume_mode=resume_path`); a retried run resumes its own
     latest checkpoint (`resume_mode=auto`, after `RunStore.resume_from(k)` drops logged steps past k);
  3. refuses a missing prepared parquet (naming data.train / data.test) before anything is submitted, then submits
     `python -m verl.trainer.main_ppo <overrides>` with `ray.job_submission.JobSubmissionClient` to the Jobs API
     (`launch.jobs_address`: `jobs_address`, else $MICROCODER_RAY_JOBS_ADDRESS, else http://127.0.0.1:8265) with the
     job's runtime_env (cluster/runtime_env.yaml + the spec's `runtime_env` + the fixed variables);
  4. tails verl's file logger (`{"step": k, "data": {...}}` a line), turns each row into our metric names
     (`translate_metrics`, design.md §4) and logs it; stops the job if it is itself interrupted;
  5. raises when the job ends other than SUCCEEDED (the sweep retries it).

The truncation mask and our metrics (train/accuracy, test/accuracy per platform × difficulty, response diversity,
masked and truncated fractions) come from the MicroCoder trainer plug-in inside verl
(microcoder.backends.verl.plugin, loaded in every worker through VERL_USE_EXTERNAL_MODULES).

Needs on the cluster: the run store on a filesystem every node shares (checkpoints are written by verl's workers,
metrics read by the sweep's supervisor), this package's `gpu` extra installed on the nodes (cluster/README.md), and
the Jobs API reachable (design.md §6: the auth token or a head started with RAY_AUTH_MODE=disabled).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any, Callable

from microcoder.config import RunConfig, to_dict

from .launch import jobs_address as _jobs_address
from .launch import load_runtime_env, verl_job
from .translate import VerlTranslationError, missing_data, verl_overrides

__all__ = ["OUR_PREFIXES", "VERL_METRICS", "VerlTranslationError", "run_verl", "translate_metrics", "verl_overrides"]

VERL_METRICS = {
    "critic/score/mean": "train/critic_reward",
    "response_length/mean": "train/response_length",
    "response_length/max": "train/response_length_max",
    "actor/entropy": "train/entropy",
    "actor/kl_loss": "train/kl",
    "actor/pg_clipfrac": "train/clip_fraction",
    "actor/grad_norm": "train/grad_norm",
    "actor/pg_loss": "train/pg_loss",
    "timing_s/gen": "time/rollout_s",
    "timing_s/reward": "time/reward_s",
    "timing_s/update_actor": "time/update_s",
    "timing_s/step": "time/step_s",
}
"""verl 0.9.1 metric name → ours (design.md §4)."""
OUR_PREFIXES = ("train/", "test/", "data/", "time/", "mem/")
"""Metrics the plug-in logs under our own names (design.md §4); they pass through unchanged and win."""
_VAL_ACC = re.compile(r"^val-core/[^/]+/acc/mean@\d+$")


def translate_metrics(step: int, data: dict, cfg: RunConfig) -> dict:
    """One verl file-logger row → our metric names (unknown verl names are dropped).

    The plug-in's own keys (OUR_PREFIXES: train/accuracy, test/accuracy, test/accuracy/<platform>/<difficulty>,
    train/response_diversity, train/masked_fraction, train/truncated_fraction, ...) pass through. Without them (a
    job run without the plug-in) train/accuracy falls back to the critic score when the reward has no penalty term,
    and test/accuracy to verl's validation `acc` (never its `reward`, which includes DAPO's overlong penalty)."""
    out: dict[str, Any] = {"data/prompts_seen": step * cfg.data.train_batch_size,
                           "train/max_response_length": int(cfg.data.max_response_length_schedule().value_at(step))}
    temperature = cfg.rollout.temperature_schedule()
    if len(set(temperature.knot_values())) == 1:  # verl runs constants only (translate.py)
        out["train/temperature"] = float(temperature.knot_values()[0])
    for theirs, ours in VERL_METRICS.items():
        if theirs in data:
            out[ours] = data[theirs]
    if "train/accuracy" not in data and "train/critic_reward" in out and not cfg.reward.overlong_buffer.enable:
        out["train/accuracy"] = out["train/critic_reward"]  # compute_score is 1 for a pass, else 0
    if "test/accuracy" not in data:
        accs = [v for k, v in data.items() if _VAL_ACC.match(k)]
        if len(accs) == 1:  # with several sources the mean over sources is the plug-in's to compute
            out["test/accuracy"] = accs[0]
    out.update({k: v for k, v in data.items() if k.startswith(OUR_PREFIXES)})
    return {k: v for k, v in out.items() if v is not None}


def run_verl(cfg: RunConfig, out_dir: str | Path = "runs", *, sweep: str = "adhoc", run: str = "run",
             arm: str | None = None, init_from: str | Path | None = None, parent: tuple[str, int] | None = None,
             tags: tuple[str, ...] = (), cache_dir: str | Path | None = None, device: str | None = None,
             log: Callable[[str], None] = print, progress: Callable[[int, dict], None] | None = None,
             jobs_address: str | None = None, gpus_per_run: int = 8, nodes_per_run: int = 1,
             checkpoints: dict | None = None, runtime_env: dict | None = None, poll_s: float = 5.0) -> dict:
    """Run one verl job to its end (module docstring). `runtime_env`: a spec's runtime_env mapping, merged over
    cluster/runtime_env.yaml; `checkpoints`: the keep policy {keep_last, keep_every, keep_steps} (keep_steps: the
    branch points, never deleted; sweeps.plan.keep_policy)."""
    from ray.job_submission import JobStatus, JobSubmissionClient

    from microcoder.backends import open_run_store
    from microcoder.tracking import Tracker

    store, finished = open_run_store(out_dir, sweep, run, parent, log)
    if finished is not None:
        return finished
    own = store.latest_checkpoint()
    if own is not None:
        store.resume_from(own[0])
    elif store.last_step() is not None:
        store.clear_metrics()
    job = verl_job(cfg, run_dir=store.dir, run=run, sweep=sweep, gpus_per_run=gpus_per_run,
                   nodes_per_run=nodes_per_run, resume_from=None if own is not None else init_from,
                   runtime_env=load_runtime_env(override=runtime_env), **(checkpoints or {}))
    missing = missing_data(cfg, job.env["MICROCODER_DATA_DIR"])
    if missing:
        raise FileNotFoundError("; ".join(missing))
    metrics_file = job.metrics_file
    if metrics_file.exists():  # an earlier attempt's rows: tailing them would log stale steps as this job's
        metrics_file.replace(metrics_file.with_name(metrics_file.stem + ".previous.jsonl"))
    address = _jobs_address(explicit=jobs_address)
    client = JobSubmissionClient(address)
    last: dict = {}
    with Tracker(store, project=cfg.tracking.project, sweep=sweep, arm=arm or run, run_name=run,
                 config=to_dict(cfg), mode=cfg.tracking.mode, tags=tags) as tracker:
        job_id = client.submit_job(entrypoint=job.entrypoint, runtime_env=job.runtime_env)
        log(f"submitted verl job {job_id} to {address}")
        pos, logged = 0, store.last_step()
        try:
            while True:
                state = client.get_job_status(job_id)
                if metrics_file.exists():
                    data = metrics_file.read_bytes()
                    if len(data) < pos:  # verl reopened (truncated) the file after a restart
                        pos = 0
                    end = data.rfind(b"\n") + 1
                    for line in data[pos:end].splitlines():
                        row = json.loads(line)
                        step = int(row["step"])
                        if logged is not None and step <= logged:
                            continue
                        last = translate_metrics(step, row.get("data", {}), cfg)
                        tracker.log(step, last)
                        logged = step
                        if progress is not None:
                            progress(step, last)
                    pos = end
                if state in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.STOPPED):
                    break
                time.sleep(poll_s)
        except BaseException:
            client.stop_job(job_id)
            raise
        if state != JobStatus.SUCCEEDED:
            tail = "\n".join(client.get_job_logs(job_id).splitlines()[-40:])
            raise RuntimeError(f"verl job {job_id} ended {state}:\n{tail}")
    return {"step": logged, **last}
