"""EMA, seed bands, bootstrap and density: hand-computed cases and loop-vs-vectorised equivalence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.smoothing import bootstrap_diff, bootstrap_mean, ema, ema_columns, kde, seed_band, stride, t_quantile


def ema_loop(x, w):
    num = den = 0.0
    out = []
    for v in x:
        if np.isnan(v):
            out.append(np.nan)
            continue
        num = w * num + v
        den = w * den + 1
        out.append(num / den)
    return np.array(out)


def test_ema_is_the_debiased_average_by_hand():
    # s1 = 1; s2 = (0.5·1 + 2)/(1.5) = 5/3; s3 = (0.25·1 + 0.5·2 + 3)/(1.75) = 17/7
    np.testing.assert_allclose(ema([1.0, 2.0, 3.0], 0.5), [1.0, 5 / 3, 17 / 7])
    np.testing.assert_allclose(ema([4.0, 5.0], 0.0), [4.0, 5.0])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e3, 1e3), st.just(float("nan"))), min_size=1, max_size=40),
       st.floats(0, 0.99))
def test_ema_matches_the_loop_and_skips_nan_gaps(xs, w):
    x = np.array(xs)
    np.testing.assert_allclose(ema(x, w), ema_loop(x, w), rtol=1e-9, atol=1e-9)


def test_ema_columns_equals_ema_per_column():
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0], "b": [2.0, 2.0, np.nan, 0.0]})
    out = ema_columns(frame, 0.7)
    for c in frame:
        np.testing.assert_allclose(out[c].to_numpy(), ema(frame[c].to_numpy(), 0.7))
    with pytest.raises(ValueError):
        ema([1.0], 1.0)


def test_seed_band_is_the_mean_and_a_t_interval_by_hand():
    m = np.array([[1.0, 3.0], [2.0, np.nan], [0.0, 0.0]])
    mean, low, high, n = seed_band(m)
    np.testing.assert_allclose(mean, [2.0, 2.0, 0.0])
    assert list(n) == [2, 1, 2]
    half = 12.706 * np.sqrt(2.0) / np.sqrt(2)  # sd of (1, 3) = √2, t(1) = 12.706
    assert low[0] == pytest.approx(2 - half) and high[0] == pytest.approx(2 + half)
    assert np.isnan(low[1]) and low[2] == 0.0 == high[2]
    assert t_quantile(200) == 1.96 and t_quantile(4) == pytest.approx(2.776)


def test_bootstrap_interval_contains_the_difference_and_needs_two_seeds_each():
    a, b = np.array([1.0, 1.2, 0.9, 1.1]), np.array([0.0, 0.1, -0.1, 0.05])
    diff, low, high = bootstrap_diff(a, b)
    assert diff == pytest.approx(a.mean() - b.mean())
    assert 0 < low < diff < high
    assert bootstrap_diff(a, b) == (diff, low, high)  # seeded: reproducible
    d1, l1, h1 = bootstrap_diff([1.0], b)
    assert d1 == pytest.approx(1 - b.mean()) and np.isnan(l1) and np.isnan(h1)
    m, lo, hi = bootstrap_mean([2.0, 4.0])
    assert m == 3.0 and 2.0 <= lo <= hi <= 4.0


def test_kde_integrates_to_one_and_peaks_at_the_mode():
    x = np.r_[np.full(50, 10.0), np.full(5, 40.0)]
    grid = np.linspace(-20, 80, 1001)
    y = kde(x, grid)
    assert np.trapezoid(y, grid) == pytest.approx(1.0, abs=1e-3)
    assert grid[np.argmax(y)] == pytest.approx(10.0, abs=1.0)


def test_stride_keeps_at_most_about_max_points():
    assert len(range(10)[stride(10, 20)]) == 10
    assert len(range(10_000)[stride(10_000, 2000)]) == 2000
