"""A minimal progress bar for long work on the terminal (stderr), silent when stderr is not a terminal.

    bar = ProgressBar(total=500, label="judging")
    for ...: bar.update(done)
    bar.close()

Set MICROCODER_PROGRESS=1 to force it on (e.g. under CI logs), =0 to force it off.
"""

from __future__ import annotations

import os
import sys
import time


class ProgressBar:
    def __init__(self, total: int, label: str = "", stream=None, width: int = 30, min_interval_s: float = 0.1):
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.min_interval_s = min_interval_s
        forced = os.environ.get("MICROCODER_PROGRESS")
        self.enabled = forced == "1" or (forced != "0" and hasattr(self.stream, "isatty") and self.stream.isatty())
        self.start = time.monotonic()
        self._last = 0.0
        self.done = 0

    def update(self, done: int, note: str = "") -> None:
        self.done = done
        now = time.monotonic()
        if not self.enabled or (now - self._last < self.min_interval_s and done < self.total):
            return
        self._last = now
        frac = done / self.total if self.total else 1.0
        filled = int(frac * self.width)
        rate = done / max(now - self.start, 1e-9)
        eta = (self.total - done) / rate if rate > 0 else float("inf")
        eta_s = f"{eta:5.0f}s" if eta != float("inf") else "    ?"
        bar = "█" * filled + "·" * (self.width - filled)
        self.stream.write(f"\r{self.label} {bar} {done}/{self.total} {rate:6.1f}/s eta {eta_s} {note}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.update(self.done)
            self.stream.write("\n")
            self.stream.flush()
