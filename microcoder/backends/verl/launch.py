"""How one verl run is launched: its `main_ppo` command, its job environment, and the cluster addresses.

What: `verl_job(cfg, run_dir=..., run=..., ...)` → `VerlJob(overrides, env, runtime_env, entrypoint)`, the ONE
description of a run's Ray job: `sweep plan --json` prints it (`verl_overrides`, `verl_env`), `microcoder train
--backend verl --dry-run` prints it, and `run_verl` submits exactly it. `ray_address` / `jobs_address` check and
derive the two addresses a cluster has.

Two addresses (design.md §5): the sweep driver joins the cluster with `ray.init(address=...)`: `HEAD:6379` (the GCS
port) or `ray://HEAD:10001` (Ray Client); verl jobs go to the Jobs API of the head's dashboard,
`http://HEAD:8265`. `ray.init` refuses http addresses, so `--address http://…` is an error that names the flag it
belongs to (`--jobs-address`, or $MICROCODER_RAY_JOBS_ADDRESS); without one, the Jobs address is derived from the
cluster address's host (port 8265).

The runtime env (`load_runtime_env`): `cluster/runtime_env.yaml` (or the file in $MICROCODER_RUNTIME_ENV), with a
spec's `runtime_env:` mapping merged over it, is submitted as the job's `runtime_env`. Ray applies a job's
runtime_env to its entrypoint and to every task and actor the job starts, and verl's own `ray.init` inside
`main_ppo` merges it (verl drops its default env vars that the job already sets), so every verl worker sees the
same environment. On top of the file, the job env always has (`job_env`):
    VERL_USE_EXTERNAL_MODULES=microcoder.backends.verl.plugin   verl imports it in every process (the trainer mode)
    VERL_FILE_LOGGER_PATH=<run dir>/verl_metrics.jsonl          verl's `file` logger; run_verl tails it
    WANDB_MODE=<tracking.mode>                                  anything that opens W&B in the job stays offline
    MICROCODER_DATA_DIR (absolute), and MICROCODER_* of the submitting process (sandbox mode, evaluator, …)
`py_modules` entries that are relative paths resolve against the folder holding the installed `microcoder`
package (this checkout), so the job runs the driver's version of our code while verl and vLLM come from the nodes'
Python (`pip install "microcoder[gpu]"` there: the job's Python is the cluster's).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from microcoder.config import RunConfig
from microcoder.data.resolve import data_dir
from microcoder.run_store import RunStore

from .translate import DEFAULT_KEEP_LAST, verl_overrides

__all__ = ["PLUGIN_MODULE", "AddressError", "VerlJob", "job_env", "jobs_address", "load_runtime_env",
           "ray_address", "verl_job"]

PLUGIN_MODULE = "microcoder.backends.verl.plugin"
JOBS_PORT = 8265
JOBS_ADDRESS_ENV = "MICROCODER_RAY_JOBS_ADDRESS"
RUNTIME_ENV_ENV = "MICROCODER_RUNTIME_ENV"
ENTRYPOINT = "python -m verl.trainer.main_ppo"
"""`python` on the cluster's PATH: the nodes' interpreter, where verl and vLLM are installed."""
PROCESS_LOCAL = frozenset({JOBS_ADDRESS_ENV, RUNTIME_ENV_ENV, "MICROCODER_SUPERVISOR_PID",
                           "MICROCODER_TORCH_THREADS"})
"""MICROCODER_* variables that describe the submitting process, not the job: never passed on."""
_WANDB_MODES = {"offline": "offline", "online": "online", "disabled": "disabled"}


class AddressError(ValueError):
    """A cluster or Jobs API address in the wrong form; the message names the flag it belongs to."""


def ray_address(address: Optional[str]) -> Optional[str]:
    """The `--address` value checked for `ray.init`: HOST:PORT, ray://HOST:PORT, `auto`, `local` or None."""
    if address is None:
        return None
    text = address.strip()
    if re.match(r"^https?://", text):
        raise AddressError(
            f"--address {address}: that is the Ray Jobs API (dashboard) address; pass it as --jobs-address "
            f"(or ${JOBS_ADDRESS_ENV}). --address takes the cluster address ray.init joins: HEAD:6379, or "
            f"ray://HEAD:10001 through Ray Client")
    if text in ("auto", "local") or text.startswith("ray://") or re.match(r"^[\w.\-\[\]:]+:\d+$", text):
        return text
    raise AddressError(f"--address {address}: expected HOST:PORT (e.g. HEAD:6379), ray://HOST:PORT, auto or local")


def jobs_address(address: Optional[str] = None, explicit: Optional[str] = None) -> str:
    """The Jobs API address: `explicit` (--jobs-address), else ${JOBS_ADDRESS_ENV}, else http://<host of the cluster
    address>:8265 (http://127.0.0.1:8265 for a local Ray)."""
    given = explicit or os.environ.get(JOBS_ADDRESS_ENV)
    if given:
        if not re.match(r"^https?://[^/]+", given):
            raise AddressError(f"--jobs-address {given}: expected http://HOST:{JOBS_PORT} (the head's dashboard)")
        return given.rstrip("/")
    host = "127.0.0.1"
    if address and address not in ("auto", "local"):
        host = ray_address(address).split("://")[-1].rsplit(":", 1)[0] or host
    return f"http://{host}:{JOBS_PORT}"


def _default_runtime_env_file() -> Optional[Path]:
    if os.environ.get(RUNTIME_ENV_ENV):
        return Path(os.environ[RUNTIME_ENV_ENV])
    try:
        import cluster

        path = Path(cluster.__file__).parent / "runtime_env.yaml"
        return path if path.is_file() else None
    except ImportError:  # pragma: no cover - installed without the cluster package
        return None


def load_runtime_env(path: str | Path | None = None, override: Optional[Mapping[str, Any]] = None) -> dict:
    """The job runtime_env: the YAML file (default: $MICROCODER_RUNTIME_ENV, else cluster/runtime_env.yaml) with
    `override` (a spec's `runtime_env:`) merged over it — env_vars per variable, other keys replaced. Relative
    `py_modules` / `working_dir` paths resolve against the folder holding the microcoder package."""
    import yaml

    file = Path(path) if path is not None else _default_runtime_env_file()
    env: dict = {}
    if file is not None:
        try:
            env = yaml.safe_load(file.read_text()) or {}
        except FileNotFoundError:
            raise FileNotFoundError(f"runtime env file {file} not found (${RUNTIME_ENV_ENV})") from None
        if not isinstance(env, dict):
            raise ValueError(f"{file}: a runtime_env mapping expected, got {type(env).__name__}")
    for key, value in (override or {}).items():
        if key == "env_vars":
            env["env_vars"] = {**(env.get("env_vars") or {}), **dict(value or {})}
        else:
            env[key] = value
    root = Path(__file__).resolve().parents[3]  # …/<root>/microcoder/backends/verl/launch.py
    if env.get("py_modules"):
        env["py_modules"] = [m if "://" in str(m) or Path(m).is_absolute() else str(root / m)
                             for m in env["py_modules"]]
    if env.get("working_dir") and "://" not in str(env["working_dir"]) and not Path(env["working_dir"]).is_absolute():
        env["working_dir"] = str(root / env["working_dir"])
    env["env_vars"] = {str(k): str(v) for k, v in (env.get("env_vars") or {}).items()}
    return env


def job_env(cfg: RunConfig, run_dir: str | Path, base: Optional[Mapping[str, str]] = None,
            environ: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """The job's environment variables: `base` (the runtime env file's env_vars), the submitting process's
    MICROCODER_* variables, then the fixed ones (module docstring), which always win."""
    environ = os.environ if environ is None else environ
    env = dict(base or {})
    env.update({k: v for k, v in environ.items() if k.startswith("MICROCODER_") and k not in PROCESS_LOCAL})
    env["MICROCODER_DATA_DIR"] = str(data_dir(environ).resolve())
    env["VERL_USE_EXTERNAL_MODULES"] = PLUGIN_MODULE
    env["VERL_FILE_LOGGER_PATH"] = str(RunStore.at(Path(run_dir).resolve()).verl_metrics_path)
    env["WANDB_MODE"] = _WANDB_MODES.get(cfg.tracking.mode, "offline")
    return dict(sorted(env.items()))


@dataclass
class VerlJob:
    """One verl run as a Ray job."""

    overrides: list[str]
    """`main_ppo` Hydra overrides (translate.verl_overrides)."""
    env: dict[str, str]
    """The job's environment variables (job_env)."""
    runtime_env: dict = field(default_factory=dict)
    """What is submitted as the job's runtime_env (the file's keys, env_vars = env)."""
    entrypoint_prefix: str = ENTRYPOINT

    @property
    def entrypoint(self) -> str:
        return self.entrypoint_prefix + " " + " ".join(shlex.quote(o) for o in self.overrides)

    @property
    def metrics_file(self) -> Path:
        return Path(self.env["VERL_FILE_LOGGER_PATH"])

    def shell(self) -> str:
        """The job as one shell command (env assignments, then the entrypoint), for --dry-run."""
        parts = [f"{k}={shlex.quote(v)}" for k, v in self.env.items()] + [self.entrypoint_prefix]
        return " \\\n    ".join(parts + [shlex.quote(o) for o in self.overrides])


def verl_job(cfg: RunConfig, *, run_dir: str | Path, run: str, sweep: str = "adhoc", gpus_per_run: int = 8,
             nodes_per_run: int = 1, resume_from: str | Path | None = None, keep_steps: Sequence[int] = (),
             keep_last: int = DEFAULT_KEEP_LAST, keep_every: int = 0, runtime_env: Optional[dict] = None,
             environ: Optional[Mapping[str, str]] = None) -> VerlJob:
    """The Ray job of one run whose run-store folder is `run_dir` (see the module docstring); keep_*: its
    checkpoint keep policy (checkpoints.py). Raises VerlTranslationError (translate.py) for what verl cannot run."""
    run_dir = Path(run_dir).resolve()
    environ = os.environ if environ is None else environ
    renv = load_runtime_env() if runtime_env is None else dict(runtime_env)
    env = job_env(cfg, run_dir, renv.get("env_vars"), environ)
    overrides = verl_overrides(cfg, checkpoints_dir=run_dir / "checkpoints", run_name=run, sweep=sweep,
                               gpus_per_run=gpus_per_run, nodes_per_run=nodes_per_run, resume_from=resume_from,
                               data_dir=env["MICROCODER_DATA_DIR"], keep_steps=keep_steps, keep_last=keep_last,
                               keep_every=keep_every)
    return VerlJob(overrides=overrides, env=env, runtime_env={**renv, "env_vars": env})
