"""The verl backend: one run as a verl 0.9.1 `main_ppo` Ray job, its metrics streamed back into the run store.

UNVERIFIED WITHOUT A GPU. Only `translate.verl_overrides` (the config → overrides table) is tested here, including
against verl's own Hydra config. This runner has never been run against a GPU cluster: treat it as the shape of
the integration, to be checked on the first cluster run.

`run_verl(cfg, out_dir, sweep=..., run=..., ...)` mirrors `run_local`'s signature (the sweep layer calls either):
  1. opens the run store folder and the Tracker (W&B group=sweep, job_type=arm, as for local runs);
  2. translates the config (`verl_overrides`): checkpoints go to the run store's checkpoints/ (verl's
     `trainer.default_local_dir`, so `latest_checkpoint()` and branches see them); a branch starts from its parent's
     `global_step_K` (`trainer.resume_mode=resume_path`); a retried run resumes its own latest checkpoint
     (`resume_mode=auto`, after `RunStore.resume_from(k)` drops logged steps past k);
  3. submits `python -m verl.trainer.main_ppo <overrides>` with `ray.job_submission.JobSubmissionClient` to
     `jobs_address` (else $MICROCODER_RAY_JOBS_ADDRESS, else http://127.0.0.1:8265), with
     VERL_FILE_LOGGER_PATH pointing into the run folder;
  4. tails that file (verl's `file` logger: one `{"step": k, "data": {...}}` a line), renames verl's metrics to
     ours (`VERL_METRICS`, design.md §4) and logs each step; stops the job if it is itself interrupted;
  5. raises when the job ends other than SUCCEEDED (the sweep retries it).

Needs on the cluster: the run store on a filesystem every node shares, this package and verl[vllm] installed on
the nodes (cluster/ runtime environment), and the Jobs API reachable (design.md §6: the auth token or a head
started with RAY_AUTH_MODE=disabled).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from pathlib import Path
from typing import Any, Callable

from microcoder.config import RunConfig, to_dict

from .translate import VerlTranslationError, verl_overrides

__all__ = ["VERL_METRICS", "VerlTranslationError", "run_verl", "translate_metrics", "verl_overrides"]

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
_VAL_ACC = re.compile(r"^val-core/[^/]+/(?:acc|reward)/mean@\d+$")


def translate_metrics(step: int, data: dict, cfg: RunConfig) -> dict:
    """One verl file-logger row → our metric names (unknown verl names are dropped)."""
    out: dict[str, Any] = {"data/prompts_seen": step * cfg.data.train_batch_size,
                           "train/max_response_length": int(cfg.data.max_response_length_schedule().value_at(step))}
    temperature = cfg.rollout.temperature_schedule()
    if len(set(temperature.knot_values())) == 1:  # verl runs constants only (translate.py)
        out["train/temperature"] = float(temperature.knot_values()[0])
    for theirs, ours in VERL_METRICS.items():
        if theirs in data:
            out[ours] = data[theirs]
    if "train/critic_reward" in out and not cfg.reward.overlong_buffer.enable:
        out["train/accuracy"] = out["train/critic_reward"]  # compute_score is 1 for a pass, else 0
    for k, v in data.items():
        if _VAL_ACC.match(k):
            out["test/accuracy"] = v
    return {k: v for k, v in out.items() if v is not None}


def run_verl(cfg: RunConfig, out_dir: str | Path = "runs", *, sweep: str = "adhoc", run: str = "run",
             arm: str | None = None, init_from: str | Path | None = None, parent: tuple[str, int] | None = None,
             tags: tuple[str, ...] = (), cache_dir: str | Path | None = None, device: str | None = None,
             log: Callable[[str], None] = print, progress: Callable[[int, dict], None] | None = None,
             jobs_address: str | None = None, gpus_per_run: int = 8, nodes_per_run: int = 1,
             poll_s: float = 5.0) -> dict:
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
    overrides = verl_overrides(cfg, checkpoints_dir=store.checkpoints_dir.resolve(), run_name=run, sweep=sweep,
                               gpus_per_run=gpus_per_run, nodes_per_run=nodes_per_run,
                               resume_from=None if own is not None else init_from)
    if cfg.mask.mode != "none":
        log(f"WARNING {sweep}/{run}: mask.mode={cfg.mask.mode} is passed to verl as +microcoder.mask.*, but the "
            "MicroCoder verl trainer plug-in that applies it is not built yet (design.md §5): verl will train "
            "WITHOUT the truncation mask. Use the local backend (--scale micro) for mask ablations until then.")
    metrics_file = store.dir.resolve() / "verl_metrics.jsonl"
    address = jobs_address or os.environ.get("MICROCODER_RAY_JOBS_ADDRESS", "http://127.0.0.1:8265")
    client = JobSubmissionClient(address)
    last: dict = {}
    with Tracker(store, project=cfg.tracking.project, sweep=sweep, arm=arm or run, run_name=run,
                 config=to_dict(cfg), mode=cfg.tracking.mode, tags=tags) as tracker:
        entrypoint = "python -m verl.trainer.main_ppo " + " ".join(shlex.quote(o) for o in overrides)
        job_id = client.submit_job(entrypoint=entrypoint, runtime_env={"env_vars": {
            "VERL_FILE_LOGGER_PATH": str(metrics_file)}})
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
