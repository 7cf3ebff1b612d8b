"""Schedules: value_at is a pure function of the step; malformed specs fail with every problem named."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microcoder.registry import RegistryError
from microcoder.recipe.schedules import (
    SCHEDULES,
    AutoSchedule,
    ConstantSchedule,
    LinearSchedule,
    ScheduleError,
    StagedSchedule,
    UnresolvedScheduleError,
    choose_temperature,
    make_schedule,
)


def test_registry_holds_the_four_kinds_and_refuses_duplicates():
    assert SCHEDULES.names() == ["auto", "constant", "linear", "staged"]
    with pytest.raises(RegistryError, match="already registered"):
        SCHEDULES.add("staged", StagedSchedule)


def test_number_is_a_constant_schedule():
    s = make_schedule(1.2)
    assert isinstance(s, ConstantSchedule)
    assert [s.value_at(k) for k in (0, 1, 10_000)] == [1.2, 1.2, 1.2]
    assert make_schedule({"kind": "constant", "value": 0.6}).value_at(7) == 0.6


def test_staged_schedule_switches_at_step():
    s = make_schedule({"kind": "staged", "stages": [[0, 0.6], [140, 1.8]]})
    assert s.value_at(0) == 0.6
    assert s.value_at(139) == 0.6
    assert s.value_at(140) == 1.8
    assert s.value_at(10_000) == 1.8


def test_staged_integer_schedule_for_max_length():
    s = make_schedule({"kind": "staged", "stages": [[0, 4096], [260, 8192]]}, integer=True)
    assert (s.value_at(259), s.value_at(260)) == (4096, 8192)
    assert isinstance(s.value_at(300), int)


def test_staged_schedule_must_start_at_zero_and_strictly_increase():
    with pytest.raises(ScheduleError) as e:
        make_schedule({"kind": "staged", "stages": [[5, 0.6], [5, 1.0]]})
    assert "start at step 0" in str(e.value) and "strictly increasing" in str(e.value)


def test_staged_schedule_reports_every_bad_stage():
    with pytest.raises(ScheduleError) as e:
        make_schedule({"kind": "staged", "stages": [[0, "hot"], [-1, 1.0], [3]]})
    msg = str(e.value)
    assert "stages[0] value" in msg and "stages[1] from_step" in msg and "stages[2]" in msg


def test_integer_schedule_rejects_fractional_values():
    with pytest.raises(ScheduleError, match="must be an integer"):
        make_schedule({"kind": "staged", "stages": [[0, 64.5]]}, integer=True)
    with pytest.raises(ScheduleError, match="must be an integer"):
        make_schedule(64.5, integer=True)


def test_linear_schedule_interpolates_and_holds_at_the_ends():
    s = make_schedule({"kind": "linear", "start": 0.6, "end": 1.8, "from_step": 10, "to_step": 20})
    assert s.value_at(0) == 0.6 and s.value_at(10) == 0.6
    assert s.value_at(15) == pytest.approx(1.2)
    assert s.value_at(20) == 1.8 and s.value_at(999) == 1.8


def test_linear_integer_schedule_rounds_to_nearest():
    s = make_schedule({"kind": "linear", "start": 10, "end": 20, "to_step": 4}, integer=True)
    assert [s.value_at(k) for k in range(6)] == [10, 12, 15, 18, 20, 20]  # 12.5 → 12 (banker's), 17.5 → 18


def test_linear_schedule_needs_a_forward_window():
    with pytest.raises(ScheduleError, match="to_step .* must be greater than from_step"):
        LinearSchedule(start=1.0, end=2.0, from_step=5, to_step=5)


def test_unknown_kind_lists_the_valid_kinds():
    with pytest.raises(ScheduleError) as e:
        make_schedule({"kind": "stagged", "stages": [[0, 1.0]]})
    assert "auto, constant, linear, staged" in str(e.value) and "'staged'" in str(e.value)


def test_missing_kind_and_unknown_fields_are_named():
    with pytest.raises(ScheduleError, match="needs 'kind'"):
        make_schedule({"stages": [[0, 1.0]]})
    with pytest.raises(ScheduleError, match="unknown field 'value'.*allowed: kind, stages"):
        make_schedule({"kind": "staged", "stages": [[0, 1.0]], "value": 2})
    with pytest.raises(ScheduleError, match="needs 'to_step'"):
        make_schedule({"kind": "linear", "start": 1, "end": 2})


@pytest.mark.parametrize("spec", ["1.0", [0, 1.0], None, True, float("nan")])
def test_non_number_non_mapping_specs_are_refused(spec):
    with pytest.raises(ScheduleError, match="expected a number or a mapping"):
        make_schedule(spec)


def test_auto_is_for_temperature_only():
    spec = {"kind": "auto", "candidates": [0.6, 1.0], "target": 0.6}
    with pytest.raises(ScheduleError, match="rollout.temperature only"):
        make_schedule(spec, allow_auto=False)
    with pytest.raises(ScheduleError, match="cannot drive an integer"):
        make_schedule(spec, integer=True)


def test_auto_schedule_needs_resolve_before_value_at():
    s = make_schedule({"kind": "auto", "candidates": [0.6, 1.0], "target": 0.6})
    assert isinstance(s, AutoSchedule) and not s.resolved
    with pytest.raises(UnresolvedScheduleError, match=r"resolve\(probe\)"):
        s.value_at(0)


def test_auto_schedule_resolves_to_the_candidate_nearest_the_target():
    s = make_schedule({"kind": "auto", "candidates": [0.6, 1.0, 1.4], "target": 0.55})
    probed = []
    chosen = s.resolve(lambda t: probed.append(t) or t / 2)  # diversities 0.3, 0.5, 0.7
    assert probed == [0.6, 1.0, 1.4]
    assert chosen == 1.0 and s.value_at(0) == 1.0 and s.value_at(500) == 1.0
    assert s.measured == {0.6: 0.3, 1.0: 0.5, 1.4: 0.7}


def test_auto_schedule_validates_candidates_target_and_measure():
    with pytest.raises(ScheduleError) as e:
        make_schedule({"kind": "auto", "candidates": [0.0, 1.0, 1.0], "target": 1.5, "measure": "distinct3"})
    msg = str(e.value)
    assert "candidates[0]" in msg and "distinct" in msg and "target" in msg and "distinct4" in msg


def test_choose_temperature_breaks_ties_toward_the_lower_temperature():
    # |0.5 − 0.6| and |0.7 − 0.6| are equal up to float noise: a tie.
    assert choose_temperature({1.4: 0.7, 1.0: 0.5}, target=0.6) == 1.0
    assert choose_temperature({0.6: 0.45, 1.0: 0.62, 1.4: 0.80}, target=0.6) == 1.0


def test_choose_temperature_skips_nan_and_refuses_nothing_to_choose():
    assert choose_temperature({0.6: math.nan, 1.2: 0.1}, target=0.6) == 1.2
    with pytest.raises(ValueError):
        choose_temperature({0.6: math.nan}, target=0.6)
    with pytest.raises(ValueError):
        choose_temperature({}, target=0.6)


def test_negative_step_is_refused():
    with pytest.raises(ValueError):
        make_schedule(1.0).value_at(-1)


def test_knot_values_bound_every_value():
    s = make_schedule({"kind": "linear", "start": 0.6, "end": 1.8, "to_step": 10})
    assert s.knot_values() == (0.6, 1.8)
    assert make_schedule({"kind": "staged", "stages": [[0, 1], [5, 2]]}).knot_values() == (1, 2)


@given(
    st.lists(st.tuples(st.integers(1, 50), st.floats(0.1, 3.0)), min_size=0, max_size=6),
    st.floats(0.1, 3.0),
    st.integers(0, 400),
)
def test_staged_value_matches_a_plain_scan_of_the_stages(gaps, first, step):
    stages, at = [[0, first]], 0
    for gap, value in gaps:
        at += gap
        stages.append([at, value])
    expected = [v for s, v in stages if s <= step][-1]
    assert make_schedule({"kind": "staged", "stages": stages}).value_at(step) == expected


@given(st.floats(0.1, 3.0), st.floats(0.1, 3.0), st.integers(0, 50), st.integers(1, 50), st.integers(0, 150))
def test_linear_value_stays_between_start_and_end(start, end, from_step, width, step):
    s = LinearSchedule(start=start, end=end, from_step=from_step, to_step=from_step + width)
    v = s.value_at(step)
    assert min(start, end) - 1e-12 <= v <= max(start, end) + 1e-12
    assert s.value_at(step + 1) == pytest.approx(v, abs=abs(end - start) / width + 1e-12)
