"""Wall time and peak memory of each phase of a training step (rollout, reward, update): `time/*`, `mem/*`.

Peak memory is GPU memory allocated (`torch.cuda.max_memory_allocated`, reset per phase) on a GPU, else the
process's peak resident set size per phase: Linux's VmHWM, reset by writing "5" to /proc/self/clear_refs at
the start of each phase (where that is not permitted, the process-lifetime peak is reported instead).
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import torch

from microcoder import metrics as M

PHASE_METRICS: dict[str, tuple[str, str]] = {
    "rollout": (M.TIME_ROLLOUT_S, M.MEM_ROLLOUT_GB),
    "reward": (M.TIME_REWARD_S, M.MEM_REWARD_GB),
    "update": (M.TIME_UPDATE_S, M.MEM_UPDATE_GB),
}
"""phase → its (wall time, peak memory) metric names."""


def _reset_peak_rss() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_gb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / (1024 ** 2)
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 ** 2)


class PhaseMeter:
    """Collects {time/<phase>_s, mem/<phase>_gb} (`PHASE_METRICS`) for one step."""

    def __init__(self, device: torch.device):
        self.cuda = device.type == "cuda"
        self.metrics: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str):
        time_key, mem_key = PHASE_METRICS[name]
        if self.cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        else:
            _reset_peak_rss()
        t0 = time.perf_counter()
        try:
            yield
        finally:
            if self.cuda:
                torch.cuda.synchronize()
                mem = torch.cuda.max_memory_allocated() / 1024 ** 3
            else:
                mem = peak_rss_gb()
            self.metrics[time_key] = time.perf_counter() - t0
            self.metrics[mem_key] = mem
