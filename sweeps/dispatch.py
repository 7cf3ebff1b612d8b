"""Dispatch a planned sweep on Ray Tune: one trial per run, branches when their parent's checkpoint exists.

What: `run_sweep(plan, out)` saves the plan as `<out>/<sweep>/sweep.json` and runs it; `resume_sweep(sweep_dir)`
runs what a saved sweep has left. Both call `dispatch`, which:
  * starts a local Ray for the sweep (`ray.init(num_cpus=concurrency × cpus_per_run)`, no dashboard unless the
    verl backend needs its Jobs API), or connects to `address` (a cluster: HEAD:6379 or ray://HEAD:10001, never
    the http:// Jobs API address; the run store must then be on a filesystem every node shares), or reuses a Ray
    already initialised in this process (tests); a verl sweep's runs submit their jobs to `jobs_address` (else
    $MICROCODER_RAY_JOBS_ADDRESS, else http://<address host>:8265: microcoder.backends.verl.launch);
  * leaves runs that are finished or were stopped by a rule alone (`status.is_done`): resuming never reruns them;
  * gives Tune a `DependencySearcher` that hands out the remaining runs in plan order, a branch only once its
    parent's checkpoint at `at_step` is complete — so a waiting branch never holds a concurrency slot — and
    marks a branch `failed` (without running it) when its parent was given up or ended without that checkpoint;
  * runs each trial as `sweeps.supervisor.trial` with `cpus_per_run` CPUs (a local run) or 1 CPU (a verl
    supervisor: verl reserves its own GPUs, design.md §6), at most `max_concurrent` at once, retried
    `max_failures` times (Tune's FailureConfig) — a run that keeps failing does not stop the others;
  * keeps Tune quiet (verbose 0, no result loggers) and prints our own progress: the counts and the running runs'
    step and key metrics whenever a run changes state, and every `progress_s` seconds (sweeps.status: a rich
    table, with coloured states on a terminal and plain lines in a log).

Defaults: `max_concurrent` = CPUs // cpus_per_run for the local backend (Ray's CPUs when connected to a cluster),
GPUs // gpus_per_run for verl on a cluster, else 1.

Returns the exit code: 0 when every run finished (or was stopped by a rule), 1 otherwise.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any, Callable, Optional

from microcoder.console import console
from microcoder.run_store import RunStore, utc_now

from .plan import PLAN_FILE, Plan, load_plan, same_runs, save_plan
from .status import format_status, is_done, read_stop, run_views
from .supervisor import checkpoint_ready

__all__ = ["SweepExists", "default_concurrency", "dispatch", "resume_sweep", "run_sweep"]

LOCAL_OBJECT_STORE_BYTES = 200 * 1024**2
"""Object store of a sweep's own local Ray: trials exchange only small results."""


class SweepExists(RuntimeError):
    """The sweep folder holds a different plan (same sweep name, other runs or configs)."""


class RayUnavailable(RuntimeError):
    """Ray could not be started or joined; the message says which and what to do."""


def _quiet_tune_env() -> None:
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")  # no result.json/progress.csv per trial
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S", "100000")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")  # with verbose=0: no experiment box, no result tables


@contextlib.contextmanager
def _quiet_tune_logs():
    """Tune logs every trial error with its traceback and a summary at the end; our progress display says it
    once, in one line (tracebacks stay in worker.log and Tune's error files)."""
    loggers = [logging.getLogger(n) for n in ("ray.tune", "ray.train", "ray.air")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def default_concurrency(plan: Plan, address: Optional[str] = None) -> int:
    """Concurrent runs when --max-concurrent is not given (see the module docstring)."""
    res = plan.spec.resources
    if plan.backend == "verl":
        if address:
            import ray

            gpus = int(ray.cluster_resources().get("GPU", 0)) if ray.is_initialized() else 0
            return max(1, gpus // max(res.gpus_per_run, 1))
        return 1
    cpus = os.cpu_count() or 1
    if address:
        import ray

        if ray.is_initialized():
            cpus = int(ray.cluster_resources().get("CPU", cpus))
    return max(1, cpus // res.cpus_per_run)


def _init_ray(address: Optional[str], num_cpus: int, plan: Plan, log: Callable[[str], None],
              jobs_address: Optional[str] = None) -> tuple[bool, float]:
    """Start or connect to Ray; returns (whether this call started it, seconds it took). `address` is checked by
    `launch.ray_address` (an http:// Jobs API address is refused, naming --jobs-address)."""
    import ray

    from microcoder.backends.verl.launch import JOBS_ADDRESS_ENV, ray_address
    from microcoder.backends.verl.launch import jobs_address as derive_jobs_address

    address = ray_address(address)
    if ray.is_initialized():
        return False, 0.0
    t0 = time.perf_counter()
    # a local Ray enables token auth by default and says so at every start: the sweep's own cluster is an
    # implementation detail, its token is Ray's business
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
    if plan.backend == "verl":
        # where the verl runs submit their Ray jobs: the head's Jobs API (launch.jobs_address; the trials inherit it)
        os.environ[JOBS_ADDRESS_ENV] = derive_jobs_address(address, jobs_address)
    passthrough = {k: v for k, v in os.environ.items() if k.startswith(("WANDB_", "MICROCODER_"))}
    join = address not in (None, "local")
    try:
        if join:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False,
                     runtime_env={"env_vars": passthrough} if passthrough else None)
        else:
            # address="local": always the sweep's own Ray, even when another one runs on this machine (a live
            # `ray start --head`, a stale cluster file, $RAY_ADDRESS): joining it would refuse num_cpus
            ray.init(address="local", num_cpus=num_cpus, include_dashboard=plan.backend == "verl",
                     logging_level=logging.WARNING, log_to_driver=False,
                     object_store_memory=LOCAL_OBJECT_STORE_BYTES)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if join:
            raise RayUnavailable(f"--address {address}: could not join that Ray cluster ({first}); is it running "
                                 f"(`ray status --address {address}`)? Without --address the sweep starts its own "
                                 f"local Ray") from None
        raise RayUnavailable(f"could not start a local Ray for the sweep ({first}); to use a Ray already running "
                             f"here, pass --address auto") from None
    took = time.perf_counter() - t0
    where = f"connected to {address}" if join else f"started a local Ray ({num_cpus} CPUs)"
    log(f"ray: {where} in {took:.1f} s")
    return True, took


# ---------------------------------------------------------------------------------------------- Tune glue


def _searcher_class():
    from ray.tune.search import Searcher

    class DependencySearcher(Searcher):
        """Hands out runs in plan order; a branch only when its parent's checkpoint is ready (module docstring)."""

        def __init__(self, plan: Plan, sweep_dir: Path, names: list[str], log: Callable[[str], None]):
            super().__init__()
            self.plan, self.sweep_dir, self.log = plan, str(sweep_dir), log
            self.queue = list(names)
            self.dispatched = set(names)
            self.trial_run: dict[str, str] = {}
            self.given_up: set[str] = set()

        def _store(self, name: str) -> RunStore:
            return RunStore(Path(self.sweep_dir).parent, self.plan.name, name)

        def _parent_state(self, name: str) -> tuple[bool, Optional[str]]:
            """(ready, why it never will be)."""
            run = self.plan.run(name)
            if run.parent is None:
                return True, None
            parent = self._store(run.parent)
            if checkpoint_ready(parent, run.at_step):
                return True, None
            if run.parent in self.given_up:
                return False, f"parent run {run.parent} failed"
            if is_done(parent):
                stop = read_stop(parent)
                why = f"was stopped at step {stop['step']}" if stop else "finished"
                return False, f"parent run {run.parent} {why} without a checkpoint at step {run.at_step}"
            if run.parent not in self.dispatched:
                return False, f"parent run {run.parent} is not finished and not part of this dispatch"
            return False, None

        def suggest(self, trial_id: str):
            for name in list(self.queue):
                ready, never = self._parent_state(name)
                if never is not None:
                    self.queue.remove(name)
                    self.given_up.add(name)
                    self._store(name).set_status("failed", ended_at=utc_now(), error=f"not started: {never}")
                    self.log(f"run {name}: not started: {never}")
                elif ready:
                    self.queue.remove(name)
                    self.trial_run[trial_id] = name
                    return {"run": name, "sweep_dir": self.sweep_dir}
            return Searcher.FINISHED if not self.queue else None

        def on_trial_complete(self, trial_id: str, result=None, error: bool = False) -> None:
            if error and trial_id in self.trial_run:
                self.given_up.add(self.trial_run[trial_id])

    return DependencySearcher


def _progress_class():
    from ray.tune import Callback

    class Progress(Callback):
        """Our progress display (Tune's own is off): on every state change and every `every_s` seconds."""

        def __init__(self, plan: Plan, out: Path, every_s: float, log: Callable[[str], None], screen=None):
            self.plan, self.out, self.every_s, self.log, self.screen = plan, out, every_s, log, screen
            self.last_check = self.last_print = 0.0
            self.signature: tuple = ()

        def __getstate__(self) -> dict:  # Tune pickles its callbacks; a rich Console holds locks
            return {**self.__dict__, "screen": None}

        def show(self, force: bool = False) -> None:
            now = time.monotonic()
            if not force and now - self.last_check < 1.0:
                return
            self.last_check = now
            views = run_views(self.plan, self.out)
            signature = tuple((v.name, v.state) for v in views)
            if force or signature != self.signature or now - self.last_print >= self.every_s:
                self.signature, self.last_print = signature, now
                self.log(f"[{time.strftime('%H:%M:%S')}] " + format_status(self.plan, views, only_active=True,
                                                                            console=self.screen))

        def on_step_end(self, iteration, trials, **info):
            self.show()

        def on_trial_recover(self, iteration, trials, trial, **info):
            self.log(f"run {trial.config.get('run')}: failed ({_first_line(trial)}); retrying from its latest "
                     f"checkpoint (failure {trial.run_metadata.num_failures})")

        def on_trial_error(self, iteration, trials, trial, **info):
            self.log(f"run {trial.config.get('run')}: failed {trial.run_metadata.num_failures} times; given up "
                     f"({_first_line(trial)})")

    return Progress


def _first_line(trial) -> str:
    """One line saying why a trial failed: the run's exit (RunFailed) or the actor's death."""
    err = None
    try:  # the driver's own copy first: the synced one may not be there yet when a retry is announced
        import cloudpickle

        path = trial.pickled_error_file
        if path and Path(path).exists():
            err = cloudpickle.loads(Path(path).read_bytes())
        else:
            err = trial.get_pickled_error()
    except Exception:  # noqa: BLE001 - the error file may be missing or unreadable
        err = None
    err = getattr(err, "cause", None) or err
    if err is None:
        return "error"
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    if isinstance(err, RuntimeError) and type(err).__name__ == "RunFailed" and lines:
        return lines[0][:160]
    return f"{type(err).__name__}: {lines[0][:140]}" if lines else type(err).__name__


# ---------------------------------------------------------------------------------------------- entry points


def print_line(text: str) -> None:
    """The driver's default log: stdout, flushed."""
    print(text, flush=True)


def dispatch(sweep_dir: str | Path, *, address: Optional[str] = None, jobs_address: Optional[str] = None,
             max_concurrent: Optional[int] = None, max_failures: Optional[int] = None, progress_s: float = 15.0,
             log: Callable[[str], None] = print_line, timings: Optional[dict] = None,
             tune_stop: Any = None) -> int:
    """Run every unfinished run of the sweep saved in `sweep_dir`; see the module docstring.

    `tune_stop`: Tune's own stopping criteria (a dict, a `tune.Stopper`, ...: `tune.RunConfig(stop=...)`), applied
    to the streamed metrics beside the spec's `stop` rules. A run Tune stops is left `killed` (resumable); only a
    spec rule marks a run as stopped for good. `timings` receives ray_start_s and tune_fit_s. Tables printed by
    the default `log` have coloured states on a terminal; any other `log` gets plain lines."""
    sweep_dir = Path(sweep_dir).resolve()
    plan = load_plan(sweep_dir)
    screen = console() if log is print_line else None  # the tables' terminal, if they are printed on one
    out = sweep_dir.parent
    todo = [r.name for r in plan.runs if not is_done(RunStore(out, plan.name, r.name))]
    done = len(plan.runs) - len(todo)
    if not todo:
        log(format_status(plan, run_views(plan, out), console=screen))
        return 0
    if plan.backend == "local":
        prepare_models(plan, todo, log)
    _quiet_tune_env()
    from ray import tune

    from .supervisor import trial

    res = plan.spec.resources
    started, ray_s = _init_ray(address, (max_concurrent or default_concurrency(plan)) * res.cpus_per_run, plan, log,
                               jobs_address)
    if timings is not None:
        timings["ray_start_s"] = ray_s
    try:
        concurrency = max_concurrent or default_concurrency(plan, address)
        failures = plan.spec.max_failures if max_failures is None else max_failures
        log(f"sweep {plan.name}: {len(todo)} run{'s' if len(todo) != 1 else ''} to go ({done} already done), "
            f"{concurrency} at a time, {failures} retr{'y' if failures == 1 else 'ies'} each; run store {sweep_dir}")
        if plan.backend == "verl":
            resources = {"cpu": 1}
        else:
            resources = {"cpu": res.cpus_per_run, "gpu": res.gpus_per_run}
        searcher = _searcher_class()(plan, sweep_dir, todo, log)
        progress = _progress_class()(plan, out, progress_s, log, screen)
        tuner = tune.Tuner(
            tune.with_resources(trial, resources),
            tune_config=tune.TuneConfig(
                search_alg=searcher, num_samples=len(todo), max_concurrent_trials=concurrency, reuse_actors=True,
                trial_name_creator=lambda t: t.config["run"], trial_dirname_creator=lambda t: t.config["run"]),
            run_config=tune.RunConfig(
                name="tune", storage_path=str(sweep_dir / ".tune"), verbose=0, callbacks=[progress], stop=tune_stop,
                failure_config=tune.FailureConfig(max_failures=failures)),
        )
        t0 = time.perf_counter()
        with _quiet_tune_logs():
            tuner.fit()
        if timings is not None:
            timings["tune_fit_s"] = time.perf_counter() - t0
    finally:
        if started:
            import ray

            ray.shutdown()
    views = run_views(plan, out)
    log(format_status(plan, views, console=screen))
    ok = all(v.state in ("finished", "stopped") for v in views)
    if not ok:
        log(f"not every run finished: `microcoder sweep resume {sweep_dir}` continues the unfinished ones")
    return 0 if ok else 1


def prepare_models(plan: Plan, todo: list[str], log: Callable[[str], None]) -> None:
    """Build the micro presets the runs use once in the driver, with every core, before trials start: otherwise
    the first trials would all wait on one single-threaded build (each trial runs with one torch thread)."""
    from microcoder.models import BUILT_PRESETS

    wanted = {r.name for r in plan.runs} & set(todo)
    presets = {(r.config.get("model") or {}).get("preset") for r in plan.runs
               if r.name in wanted and not (r.config.get("model") or {}).get("path")}
    for preset in [p for p in BUILT_PRESETS if p in presets]:
        from microcoder.models import load_policy, quiet_transformers

        quiet_transformers()
        load_policy(None, preset, log=log)  # a no-op when the cached build exists


def run_sweep(plan: Plan, out: str | Path = "runs", **kwargs) -> int:
    """Save the plan in `<out>/<plan.name>/sweep.json` and dispatch it. A folder holding the same plan is
    resumed; one holding another plan raises SweepExists (nothing is touched)."""
    sweep_dir = Path(out).resolve() / plan.name
    if (sweep_dir / PLAN_FILE).exists():
        diffs = same_runs(load_plan(sweep_dir), plan)
        if diffs:
            raise SweepExists(f"{sweep_dir} holds another plan of sweep {plan.name!r}: " + "; ".join(diffs[:5])
                              + (" …" if len(diffs) > 5 else "") + ". Use another --out, or remove the folder.")
    else:
        save_plan(plan, sweep_dir)
    return dispatch(sweep_dir, **kwargs)


def resume_sweep(sweep_dir: str | Path, **kwargs) -> int:
    """Continue a sweep after a crash or Ctrl-C of the driver: finished runs stay, interrupted ones continue from
    their latest checkpoint (the backends drop logged steps past it, so no step is duplicated or lost)."""
    return dispatch(sweep_dir, **kwargs)
