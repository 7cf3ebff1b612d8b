"""Smoothing, seed aggregation and bootstrap: the numerics behind every curve and every finding.

What:
  * `ema(values, weight)`: the exponential moving average W&B and TensorBoard draw ("smoothing 0.9"), debiased so
    the first points are not pulled towards 0; NaN gaps are skipped, not propagated.
  * `seed_band(matrix)`: mean over seeds and a 95 % t-interval of that mean (points with fewer than 2 seeds get
    no band), for "mean and a confidence band" when a sweep ran several seeds.
  * `bootstrap_diff(a, b)` / `bootstrap_mean(a)`: percentile-bootstrap confidence intervals over seeds, for the
    findings table.
  * `stride(n, max_points)`: indices that thin a long line for drawing (all points are still used to smooth).

Why: the study draws per-step training metrics as a faint raw line plus a bold smoothed one, and single runs;
we add seeds. Keeping the arithmetic here (pure numpy/pandas, no matplotlib) lets the tests check it by hand.

How: `ema(np.array([1., 2., 3.]), 0.5)`, `seed_band(np.array([[1, 2], [3, 4]]))` (rows = points, columns = seeds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["T_975", "bootstrap_diff", "bootstrap_mean", "ema", "ema_columns", "kde", "seed_band", "stride", "t_quantile"]

# two-sided 95 % quantiles of Student's t by degrees of freedom (scipy is not a dependency)
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
         11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
         20: 2.086, 25: 2.060, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}


def t_quantile(dof: np.ndarray | int) -> np.ndarray:
    """The 97.5 % quantile of Student's t for each number of degrees of freedom (>= 1; between table rows the
    next smaller row is used, which is conservative; above 120: 1.96)."""
    keys = np.array(sorted(T_975))
    vals = np.array([T_975[k] for k in keys])
    d = np.atleast_1d(np.asarray(dof, dtype=float))
    idx = np.clip(np.searchsorted(keys, d, side="right") - 1, 0, len(keys) - 1)
    out = np.where(d > 120, 1.96, vals[idx])
    return out if np.ndim(dof) else out[0]


def ema(values, weight: float) -> np.ndarray:
    """Debiased exponential moving average with smoothing `weight` in [0, 1) (0: no smoothing).

    values: shape (n,). s_t = Σ_k w^(t-k) x_k / Σ_k w^(t-k) over the non-NaN x_k seen so far, i.e. pandas'
    `ewm(alpha=1-weight, adjust=True, ignore_na=True)`; NaN inputs stay NaN in the output.
    """
    x = np.asarray(values, dtype=float)
    if not 0 <= weight < 1:
        raise ValueError(f"smoothing weight must be in [0, 1), got {weight}")
    if weight == 0 or x.size == 0:
        return x.copy()
    out = pd.Series(x).ewm(alpha=1 - weight, adjust=True, ignore_na=True).mean().to_numpy(copy=True)
    out[np.isnan(x)] = np.nan
    return out


def ema_columns(frame: pd.DataFrame, weight: float) -> pd.DataFrame:
    """`ema` applied to every column of `frame` at once (rows in order; NaN cells stay NaN)."""
    if weight == 0 or frame.empty:
        return frame.copy()
    if not 0 <= weight < 1:
        raise ValueError(f"smoothing weight must be in [0, 1), got {weight}")
    return frame.ewm(alpha=1 - weight, adjust=True, ignore_na=True).mean().where(frame.notna())


def seed_band(matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(mean, low, high, count) per row of `matrix` (shape (points, seeds), NaN = seed has no value there).

    low/high: mean ∓ t(n-1) · sd / √n, a 95 % interval of the mean over seeds; NaN where fewer than 2 seeds.
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim == 1:
        m = m[:, None]
    count = np.sum(~np.isnan(m), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.nansum(m, axis=1)
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        dev = np.where(np.isnan(m), 0.0, m - mean[:, None])
        var = np.sum(dev * dev, axis=1) / np.maximum(count - 1, 1)
        half = t_quantile(np.maximum(count - 1, 1)) * np.sqrt(var) / np.sqrt(np.maximum(count, 1))
    half = np.where(count >= 2, half, np.nan)
    return mean, mean - half, mean + half, count


def bootstrap_mean(a, n_boot: int = 2000, seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): percentile bootstrap of the mean of `a` (low/high NaN when len(a) < 2)."""
    a = np.asarray(a, dtype=float)
    a = a[~np.isnan(a)]
    if a.size == 0:
        return np.nan, np.nan, np.nan
    if a.size < 2:
        return float(a.mean()), np.nan, np.nan
    rng = np.random.default_rng(seed)
    means = a[rng.integers(0, a.size, size=(n_boot, a.size))].mean(axis=1)
    q = (1 - level) / 2
    return float(a.mean()), float(np.quantile(means, q)), float(np.quantile(means, 1 - q))


def bootstrap_diff(a, b, n_boot: int = 2000, seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """(mean(a) - mean(b), low, high): seeds of `a` and of `b` resampled independently (a two-sample percentile
    bootstrap). low/high are NaN unless both samples hold at least 2 values."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size == 0 or b.size == 0:
        return np.nan, np.nan, np.nan
    diff = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2:
        return diff, np.nan, np.nan
    rng = np.random.default_rng(seed)
    da = a[rng.integers(0, a.size, size=(n_boot, a.size))].mean(axis=1)
    db = b[rng.integers(0, b.size, size=(n_boot, b.size))].mean(axis=1)
    q = (1 - level) / 2
    return diff, float(np.quantile(da - db, q)), float(np.quantile(da - db, 1 - q))


def stride(n: int, max_points: int) -> slice:
    """A slice keeping at most about `max_points` of `n` evenly spaced points (and always the first)."""
    if max_points <= 0 or n <= max_points:
        return slice(None)
    return slice(None, None, int(np.ceil(n / max_points)))


def kde(samples, grid, max_samples: int = 20000, seed: int = 0) -> np.ndarray:
    """Gaussian kernel density of `samples` evaluated on `grid` (Scott's bandwidth σ·n^(-1/5), at least 1 unit
    when the samples have no spread); at most `max_samples` samples are used (a seeded subsample)."""
    x = np.asarray(samples, dtype=float)
    x = x[np.isfinite(x)]
    g = np.asarray(grid, dtype=float)
    if x.size == 0:
        return np.zeros_like(g)
    if x.size > max_samples:
        x = np.random.default_rng(seed).choice(x, max_samples, replace=False)
    h = x.std(ddof=1) * x.size ** (-0.2) if x.size > 1 else 0.0
    h = h if h > 0 else 1.0
    out = np.zeros_like(g)
    for chunk in np.array_split(x, max(1, x.size // 2048)):  # bounded memory: (chunk, grid) at a time
        z = (g[None, :] - chunk[:, None]) / h
        out += np.exp(-0.5 * z * z).sum(axis=0)
    return out / (x.size * h * np.sqrt(2 * np.pi))
