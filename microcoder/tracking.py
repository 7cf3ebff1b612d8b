"""Experiment tracking: fan every logged step out to the run store (the source of truth) and to W&B.

What: `Tracker` opens a run — writes config.yaml, sets status.json to `running`, starts a W&B run named as in
design.md §1 (project=<project>, group=<sweep>, job_type=<arm>, name=<run>) — then `log(step, metrics)` appends
the step to metrics.jsonl and sends it to W&B, and `finish(state)` records finished/failed/killed and closes W&B.
As a context manager it finishes itself: `finished` on a clean exit, `killed` on KeyboardInterrupt or a non-zero
SystemExit, `failed` (with the traceback in status.json `error`) on any other exception.

    with Tracker(store, project="microcoder", sweep="kl_clip", arm="grpo", run_name="grpo-s0",
                 config=to_dict(cfg)) as tracker:
        for step in range(start, total):
            tracker.log(step, {M.TRAIN_ACCURACY: acc, M.TIME_STEP_S: dt})

Why: W&B is the place people look, but it may be offline, unreachable or broken, and training must never stop
for it. So the run store is written first, and any W&B failure (import, init, log, finish) is warned about once
(`TrackingWarning`, plus `wandb_error` in status.json) after which the run goes on with the run store only.

W&B details:
  * Mode: the env var WANDB_MODE, when set, wins over the `mode` argument and over the config's
    `tracking.mode` (so an operator or CI can force `disabled`/`offline` without editing configs); then the
    `mode` argument; then `config["tracking"]["mode"]`; then `offline`. wandb's aliases `dryrun` (= offline)
    and `run` (= online) are accepted. `disabled` never imports wandb.
  * Offline runs land in `<run dir>/wandb/offline-run-<time>-<id>/`; `wandb sync <that dir>` uploads them
    later, and `wandb leet inspect --json <that dir>` prints what they hold. Analysis reads the run store.
  * Axes: every run declares its metrics once, at init (`define_wandb_metrics`, the table `wandb_metric_axes()`):
    every metric plots against `step` (logged in each row beside W&B's own `_step`, equal to it), the accuracy
    metrics (`train/accuracy`, `test/accuracy`, `test/accuracy/<platform>/<difficulty>`, `test/accuracy@<tag>`)
    against `data/prompts_seen` (the study's "Relative Data"), with their best and last values in the run's
    summary. A branch run logs its parent's step count on (design.md §3), so it lines up with its parent on both
    axes. Explicit names win over globs in W&B, and overlapping globs match in no fixed order: the globs here never
    overlap (`train/*`, `time/*`, `mem/*`, `data/*` → step; `test/accuracy*` → prompts seen).
  * The W&B run id is kept in status.json (`wandb_id`): a run restarted in the same directory (resume=True)
    reuses it with `resume="allow"`. Offline, each restart writes a new offline-run directory with the same id.
    Online, W&B ignores steps at or below the run's last step: after `RunStore.resume_from(k)` the
    re-logged steps k+1.. that W&B already holds are dropped there (the run store has them right).
  * Settings keep it quiet and cheap: no console capture, no system stats or machine metadata, no git or
    code saving, no requirements file, `reinit="create_new"` (several runs in one process never close each
    other). `Tracker.timings` holds what W&B's init and finish took for this run (`wandb_init_s`,
    `wandb_finish_s`). finish() returning does not mean the offline file is complete: wandb-core may still be
    writing it for a moment. Once measured (wandb 0.31.0, 2 CPUs, offline): init ~0.4 s for the first run of a
    process (it starts wandb-core), ~30 ms after; `Tracker.log` ~1.5 ms a step, about a third of it W&B.
  * The other W&B env vars (WANDB_API_KEY, WANDB_CACHE_DIR, WANDB_CONFIG_DIR, WANDB_DATA_DIR, ...) keep their
    usual meaning; `dir` is always the run directory (WANDB_DIR is not used).

What it does not do: a process killed by SIGKILL cannot record `killed`; its status stays `running` with a
stale `updated_at` (set on every logged step) and the `pid`/`host` of the dead writer, for a supervisor to judge.
"""

from __future__ import annotations

import os
import secrets
import socket
import string
import time
import traceback
import warnings
from collections.abc import Mapping
from typing import Any, Iterable, Optional, Union

from microcoder import metrics as M
from microcoder.run_store import RunStore, plain_config, utc_now

__all__ = ["MODES", "Tracker", "TrackingWarning", "define_wandb_metrics", "new_wandb_id", "resolve_mode",
           "wandb_metric_axes"]

MODES = ("offline", "online", "disabled")
_ENV_MODES = {"offline": "offline", "dryrun": "offline", "online": "online", "run": "online", "disabled": "disabled"}
END_STATES = ("finished", "failed", "killed")
ACCURACY_SUMMARY = "max,last"
"""What the W&B summary keeps of an accuracy metric: its best value and its last."""


def wandb_metric_axes() -> list[tuple[str, str, Optional[str]]]:
    """(metric name or `prefix*` glob, the metric it plots against, its summary ops or None) for every metric of
    design.md §4 and microcoder.metrics' extras; see the module docstring ("Axes")."""
    accuracy = {M.TRAIN_ACCURACY, M.TEST_ACCURACY}
    names = sorted(n for n in M.MEANING if n not in (M.STEP, M.TEST_ACCURACY_BY))
    out: list[tuple[str, str, Optional[str]]] = [
        (n, M.PROMPTS_SEEN if n in accuracy else M.STEP, ACCURACY_SUMMARY if n in accuracy else None) for n in names]
    out += [(glob, M.STEP, None) for glob in ("train/*", "time/*", "mem/*", "data/*")]
    out.append((M.TEST_ACCURACY + "*", M.PROMPTS_SEEN, ACCURACY_SUMMARY))
    return out


def define_wandb_metrics(run: Any) -> None:
    """Declare the run's metrics to W&B once (`run.define_metric`): `step` itself (hidden from automatic panels),
    then `wandb_metric_axes()`."""
    run.define_metric(M.STEP, hidden=True)
    for name, x, summary in wandb_metric_axes():
        run.define_metric(name, step_metric=x, summary=summary)


class TrackingWarning(RuntimeWarning):
    """W&B failed or was misconfigured (the run goes on with the run store), or a metric name is unknown."""


def resolve_mode(mode: Optional[str] = None, config: Optional[Mapping[str, Any]] = None) -> str:
    """The W&B mode: WANDB_MODE env (when set) > `mode` > config["tracking"]["mode"] > "offline"."""
    env = os.environ.get("WANDB_MODE", "").strip().lower()
    if env:
        if env in _ENV_MODES:
            return _ENV_MODES[env]
        warnings.warn(f"WANDB_MODE={env!r} is not one of {', '.join(_ENV_MODES)}; ignored", TrackingWarning, 2)
    if mode is None and isinstance(config, Mapping):
        tracking = config.get("tracking")
        mode = tracking.get("mode") if isinstance(tracking, Mapping) else None
    mode = mode or "offline"
    if mode not in MODES:
        raise ValueError(f"tracking mode must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def new_wandb_id(length: int = 8) -> str:
    """A fresh random W&B run id (lowercase letters and digits, as wandb's own)."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


class Tracker:
    """One run's tracking: the run store first, W&B second; see the module docstring.

    Args:
        store: the run's RunStore (its directory is created).
        project: W&B project; default config["tracking"]["project"], else "microcoder".
        sweep: W&B group; default the store's sweep name.
        arm: W&B job_type: the sweep arm this run belongs to (None: none).
        run_name: W&B display name; default the store's run name.
        config: the fully resolved run config (a mapping, RunConfig or DictConfig); written to config.yaml and
            given to W&B as the run's config.
        mode: offline | online | disabled; see `resolve_mode` (WANDB_MODE wins).
        tags: W&B tags.
        resume: reuse the W&B id kept in status.json (a restarted run); False starts a new W&B run.
        warn_unknown_metrics: warn once per metric name not in design.md §4 (`microcoder.metrics.is_known`).
    """

    def __init__(
        self,
        store: RunStore,
        *,
        project: Optional[str] = None,
        sweep: Optional[str] = None,
        arm: Optional[str] = None,
        run_name: Optional[str] = None,
        config: Any,
        mode: Optional[str] = None,
        tags: Iterable[str] = (),
        resume: bool = True,
        warn_unknown_metrics: bool = True,
    ):
        self.store = store
        self.config = plain_config(config)
        tracking = self.config.get("tracking") if isinstance(self.config.get("tracking"), Mapping) else {}
        self.project = project or tracking.get("project") or "microcoder"
        self.sweep = sweep or store.sweep
        self.arm = arm
        self.run_name = run_name or store.run
        self.tags = [str(t) for t in tags]
        self.mode = resolve_mode(mode, self.config)
        self.warn_unknown_metrics = warn_unknown_metrics
        self.timings: dict[str, float] = {}  # wandb_init_s, wandb_finish_s: what W&B cost this run
        self._run: Any = None  # the wandb Run while W&B works
        self._finished = False
        self._wandb_warned = False
        self._unknown_warned: set[str] = set()

        store.dir.mkdir(parents=True, exist_ok=True)
        store.write_config(self.config)
        previous = store.read_status() or {}
        resuming = resume and bool(previous.get("wandb_id"))
        self.wandb_id: str = previous["wandb_id"] if resuming else new_wandb_id()
        store.set_status(
            "running",
            started_at=(previous.get("started_at") if resuming else None) or utc_now(),
            ended_at=None,
            error=None,
            wandb_error=None,
            wandb_id=self.wandb_id,
            pid=os.getpid(),
            host=socket.gethostname(),
            last_step=store.last_step(),
        )
        if self.mode != "disabled":
            self._start_wandb()

    # ------------------------------------------------------------------------------------------ W&B

    @property
    def wandb_active(self) -> bool:
        """True while steps also go to W&B."""
        return self._run is not None

    def _start_wandb(self) -> None:
        t0 = time.perf_counter()
        try:
            import wandb

            settings = wandb.Settings(
                console="off",
                x_disable_stats=True,
                x_disable_meta=True,
                x_disable_machine_info=True,
                save_code=False,
                disable_git=True,
                disable_job_creation=True,
                x_save_requirements=False,
                silent=True,
                reinit="create_new",
            )
            self._run = wandb.init(
                project=self.project,
                group=self.sweep,
                job_type=self.arm,
                name=self.run_name,
                id=self.wandb_id,
                resume="allow",
                mode=self.mode,
                dir=str(self.store.dir),
                config=self.config,
                tags=self.tags,
                settings=settings,
            )
            define_wandb_metrics(self._run)
        except Exception as e:  # noqa: BLE001 - W&B must never stop training
            self._drop_wandb("init", e)
        finally:
            self.timings["wandb_init_s"] = time.perf_counter() - t0

    def _drop_wandb(self, where: str, exc: BaseException) -> None:
        """Warn once and go on with the run store only."""
        self._run = None
        text = (f"W&B {where} failed ({type(exc).__name__}: {exc}); run {self.store.name} continues with the run "
                f"store only")
        if not self._wandb_warned:
            self._wandb_warned = True
            warnings.warn(text, TrackingWarning, stacklevel=3)
            try:
                status = self.store.read_status() or {}
                self.store.set_status(status.get("state", "running"), wandb_error=text)
            except Exception:  # noqa: BLE001 - the warning is what matters
                pass

    # ------------------------------------------------------------------------------------------ steps

    def log(self, step: int, metrics: Mapping[str, Any]) -> None:
        """Record one step: the run store (durable when this returns; raises on a non-increasing step), then
        W&B (`run.log({**metrics, "step": step}, step=step)`; failures are warned about once and dropped)."""
        if self._finished:
            raise RuntimeError(f"{self.store.name}: log() after finish()")
        self.store.log(step, metrics)
        if self.warn_unknown_metrics:
            self._check_names(metrics)
        if self._run is not None:
            try:
                self._run.log({**{k: v for k, v in metrics.items() if k != M.STEP}, M.STEP: step}, step=step)
            except Exception as e:  # noqa: BLE001 - W&B must never stop training
                self._drop_wandb("log", e)
        self.store.set_status("running", last_step=step)

    def _check_names(self, metrics: Mapping[str, Any]) -> None:
        for name in metrics:
            if name != M.STEP and not M.is_known(name) and name not in self._unknown_warned:
                self._unknown_warned.add(name)
                warnings.warn(
                    f"metric {name!r} is not a name of design.md §4 (microcoder.metrics); logged anyway",
                    TrackingWarning,
                    stacklevel=3,
                )

    # ------------------------------------------------------------------------------------------ end

    def finish(self, state: str = "finished", error: Union[str, BaseException, None] = None) -> None:
        """Record the end state (finished | failed | killed) and `error` (text or exception) in status.json,
        then close W&B. A second call does nothing."""
        if state not in END_STATES:
            raise ValueError(f"finish state must be one of {', '.join(END_STATES)}, got {state!r}")
        if self._finished:
            return
        self._finished = True
        if isinstance(error, BaseException):
            error = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        self.store.set_status(state, ended_at=utc_now(), error=error, last_step=self.store.last_step())
        if self._run is not None:
            t0 = time.perf_counter()
            try:
                self._run.finish(exit_code=0 if state == "finished" else 1)
            except Exception as e:  # noqa: BLE001
                self._drop_wandb("finish", e)
            finally:
                self.timings["wandb_finish_s"] = time.perf_counter() - t0
                self._run = None

    def __enter__(self) -> "Tracker":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or (isinstance(exc, SystemExit) and exc.code in (None, 0)):
            self.finish("finished")
        elif isinstance(exc, (KeyboardInterrupt, SystemExit)):
            self.finish("killed", error=exc)
        else:
            self.finish("failed", error=exc)
        return False
