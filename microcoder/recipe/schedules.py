"""Schedules for a run-config value that may change with the training step (temperature, max response length).

What: a `Schedule` maps a global step to the value in force, `value_at(step)`, as a pure function. Four kinds,
registered in `SCHEDULES` and chosen by `kind` in the run config:

    constant  1.0   or   {kind: constant, value: 1.0}
    staged    {kind: staged, stages: [[0, 0.6], [140, 1.8]]}      from_step → value; steps start at 0, strictly rise
    linear    {kind: linear, start: 0.6, end: 1.8, from_step: 0, to_step: 100}   held at the ends outside the window
    auto      {kind: auto, candidates: [0.6, 1.0, 1.4], target: 0.7, measure: distinct4}   temperature only

Why: the study's temperature and context-length curves are schedules ("0.6→1.8 at step 140", "4K→8K at step
260"; MicroCoder-Insights, "Temperature Dynamics" and "Context Length and Extension"), and MicroCoder-GRPO picks
its temperature from measured diversity. Keeping them pure makes them testable alone and identical in both
backends (verl has no temperature schedule: there a staged schedule becomes a branch run, design.md §5).

How: `make_schedule(spec)` turns a config value (a number or a mapping) into a `Schedule`, raising one
`ScheduleError` that lists every problem. `auto` is diversity-determined (MicroCoder-GRPO, arXiv:2603.07777,
T(D) in the objective; MicroCoder-Insights "Diversity-determined selection"): before training, the trainer
calls `AutoSchedule.resolve(probe)` with a function that samples the starting policy at a temperature and
returns its response diversity (`microcoder.recipe.diversity`); `choose_temperature` then picks the candidate
whose diversity is nearest the target, and the schedule is that constant from step 0 on. `value_at` on an
unresolved auto schedule raises `UnresolvedScheduleError`.
"""

from __future__ import annotations

import bisect
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

from microcoder.registry import Registry, RegistryError

__all__ = [
    "SCHEDULES",
    "AutoSchedule",
    "ConstantSchedule",
    "LinearSchedule",
    "Schedule",
    "ScheduleError",
    "StagedSchedule",
    "UnresolvedScheduleError",
    "choose_temperature",
    "make_schedule",
]


class ScheduleError(ValueError):
    """A malformed schedule spec; the message lists every problem found."""


class UnresolvedScheduleError(RuntimeError):
    """`value_at` was called on an `auto` schedule before `resolve(probe)`."""


SCHEDULES: Registry[type["Schedule"]] = Registry("schedule")


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _is_step(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _check_value(x: Any, what: str, integer: bool, problems: list[str]) -> None:
    if integer and not (isinstance(x, int) and not isinstance(x, bool)):
        problems.append(f"{what} must be an integer, got {x!r}")
    elif not _is_number(x):
        problems.append(f"{what} must be a finite number, got {x!r}")


def _check_step_arg(step: int) -> None:
    if step < 0:
        raise ValueError(f"step must be >= 0, got {step}")


class Schedule(ABC):
    """A value as a function of the global training step."""

    kind: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]  # keys a spec of this kind may carry besides `kind`
    required: ClassVar[tuple[str, ...]]

    @abstractmethod
    def value_at(self, step: int) -> float:
        """The value in force at global step `step` (>= 0)."""

    @abstractmethod
    def knot_values(self) -> tuple[float, ...]:
        """Every value the schedule takes at a breakpoint. Between breakpoints it lies between these, so a
        bound (e.g. temperature > 0) checked on them holds at every step."""

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, integer: bool = False) -> "Schedule":
        problems = [
            f"unknown field {k!r} for kind {cls.kind!r}; allowed: kind, {', '.join(cls.fields)}"
            for k in spec
            if k != "kind" and k not in cls.fields
        ]
        problems += [f"kind {cls.kind!r} needs {k!r}" for k in cls.required if k not in spec]
        if problems:
            raise ScheduleError("; ".join(problems))
        kwargs = {k: spec[k] for k in cls.fields if k in spec}
        return cls(**kwargs, integer=integer)  # type: ignore[call-arg]


@SCHEDULES.register("constant")
@dataclass(frozen=True)
class ConstantSchedule(Schedule):
    """The same value at every step."""

    kind: ClassVar[str] = "constant"
    fields: ClassVar[tuple[str, ...]] = ("value",)
    required: ClassVar[tuple[str, ...]] = ("value",)

    value: float
    integer: bool = False

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check_value(self.value, "value", self.integer, problems)
        if problems:
            raise ScheduleError("; ".join(problems))

    def value_at(self, step: int) -> float:
        _check_step_arg(step)
        return self.value

    def knot_values(self) -> tuple[float, ...]:
        return (self.value,)


@SCHEDULES.register("staged")
@dataclass(frozen=True)
class StagedSchedule(Schedule):
    """Piecewise constant: `stages[i] = (from_step, value)`; the value of the last stage whose from_step <= step.

    The study's "0.6→1.8 at step 140" is `[[0, 0.6], [140, 1.8]]` (MicroCoder-Insights, "Dynamic scheduling
    advantage"; staged rather than continuous changes, "Continuous change risks").
    """

    kind: ClassVar[str] = "staged"
    fields: ClassVar[tuple[str, ...]] = ("stages",)
    required: ClassVar[tuple[str, ...]] = ("stages",)

    stages: tuple[tuple[int, float], ...]
    integer: bool = False

    def __post_init__(self) -> None:
        problems: list[str] = []
        raw = self.stages
        if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence) or len(raw) == 0:
            raise ScheduleError(f"stages must be a non-empty list of [from_step, value] pairs, got {raw!r}")
        pairs: list[tuple[int, float]] = []
        for i, pair in enumerate(raw):
            if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
                problems.append(f"stages[{i}] must be a [from_step, value] pair, got {pair!r}")
                continue
            step, value = pair
            if not _is_step(step):
                problems.append(f"stages[{i}] from_step must be an integer >= 0, got {step!r}")
            _check_value(value, f"stages[{i}] value", self.integer, problems)
            pairs.append((step, value))
        steps = [s for s, _ in pairs if _is_step(s)]
        if len(steps) == len(raw):
            if steps[0] != 0:
                problems.append(f"stages must start at step 0, the first starts at {steps[0]}")
            if any(b <= a for a, b in zip(steps, steps[1:])):
                problems.append(f"stage steps must be strictly increasing, got {steps}")
        if problems:
            raise ScheduleError("; ".join(problems))
        object.__setattr__(self, "stages", tuple(pairs))

    def value_at(self, step: int) -> float:
        _check_step_arg(step)
        steps = [s for s, _ in self.stages]
        return self.stages[bisect.bisect_right(steps, step) - 1][1]

    def knot_values(self) -> tuple[float, ...]:
        return tuple(v for _, v in self.stages)


@SCHEDULES.register("linear")
@dataclass(frozen=True)
class LinearSchedule(Schedule):
    """`start` until `from_step`, straight line to `end` at `to_step`, `end` afterwards.

    Kept for the study's counter-example (MicroCoder-Insights, "Continuous change risks": uniform temperature
    changes destabilise diversity). With integer values (max response length) the line is rounded to the
    nearest integer (ties to even, Python's `round`).
    """

    kind: ClassVar[str] = "linear"
    fields: ClassVar[tuple[str, ...]] = ("start", "end", "from_step", "to_step")
    required: ClassVar[tuple[str, ...]] = ("start", "end", "to_step")

    start: float
    end: float
    to_step: int
    from_step: int = 0
    integer: bool = False

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check_value(self.start, "start", self.integer, problems)
        _check_value(self.end, "end", self.integer, problems)
        for name in ("from_step", "to_step"):
            if not _is_step(getattr(self, name)):
                problems.append(f"{name} must be an integer >= 0, got {getattr(self, name)!r}")
        if _is_step(self.from_step) and _is_step(self.to_step) and self.to_step <= self.from_step:
            problems.append(f"to_step ({self.to_step}) must be greater than from_step ({self.from_step})")
        if problems:
            raise ScheduleError("; ".join(problems))

    def value_at(self, step: int) -> float:
        _check_step_arg(step)
        if step <= self.from_step:
            value = self.start
        elif step >= self.to_step:
            value = self.end
        else:
            frac = (step - self.from_step) / (self.to_step - self.from_step)
            value = self.start + frac * (self.end - self.start)
        return int(round(value)) if self.integer else value

    def knot_values(self) -> tuple[float, ...]:
        return (self.start, self.end)


def choose_temperature(diversity_by_temperature: Mapping[float, float], target: float) -> float:
    """The candidate temperature whose measured diversity is nearest `target` (ties → the lower temperature).

    Diversity-determined temperature (MicroCoder-GRPO's T(D), arXiv:2603.07777; MicroCoder-Insights,
    "Temperature Dynamics": too low a temperature lets diversity keep falling and training fail, too high one
    makes it fluctuate). Distances within 1e-12 count as ties. Non-finite diversities (e.g. NaN from a probe
    with no 4-grams) are skipped; if none is finite, ValueError.

        choose_temperature({0.6: 0.45, 1.0: 0.62, 1.4: 0.80}, target=0.6)  # → 1.0
    """
    if not diversity_by_temperature:
        raise ValueError("choose_temperature needs at least one measured candidate temperature")
    finite = {float(t): float(d) for t, d in diversity_by_temperature.items() if math.isfinite(d)}
    if not finite:
        raise ValueError(f"no candidate has a finite diversity: {dict(diversity_by_temperature)}")
    distance = {t: abs(d - target) for t, d in finite.items()}
    best = min(distance.values())
    return min(t for t, dist in distance.items() if dist <= best + 1e-12)


@SCHEDULES.register("auto")
@dataclass
class AutoSchedule(Schedule):
    """Diversity-determined constant temperature: probe `candidates` on the starting policy, keep the one whose
    response diversity (`measure`, a `microcoder.recipe.diversity.DIVERSITY` name) is nearest `target`.

    Temperature only. Must be `resolve(probe)`d before `value_at`; a branch or resumed run should read the
    chosen temperature from its parent's run store rather than probe a trained policy again.
    """

    kind: ClassVar[str] = "auto"
    fields: ClassVar[tuple[str, ...]] = ("candidates", "target", "measure")
    required: ClassVar[tuple[str, ...]] = ("candidates", "target")

    candidates: tuple[float, ...]
    target: float
    measure: str = "distinct4"
    integer: bool = False
    chosen: float | None = field(default=None, init=False)
    measured: dict[float, float] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        from microcoder.recipe.diversity import DIVERSITY  # local: diversity is a sibling knob, not a base

        problems: list[str] = []
        if self.integer:
            problems.append("an auto schedule chooses a temperature; it cannot drive an integer value")
        cands = self.candidates
        if isinstance(cands, (str, bytes)) or not isinstance(cands, Sequence) or len(cands) == 0:
            problems.append(f"candidates must be a non-empty list of temperatures, got {cands!r}")
        else:
            for i, t in enumerate(cands):
                if not _is_number(t) or t <= 0:
                    problems.append(f"candidates[{i}] must be a temperature > 0, got {t!r}")
            if len(set(cands)) != len(cands):
                problems.append(f"candidates must be distinct, got {list(cands)}")
        if not _is_number(self.target) or not 0.0 <= self.target <= 1.0:
            problems.append(f"target must be a diversity in [0, 1], got {self.target!r}")
        if self.measure not in DIVERSITY:
            problems.append(f"measure: {DIVERSITY.unknown_message(self.measure)}")
        if problems:
            raise ScheduleError("; ".join(problems))
        self.candidates = tuple(float(t) for t in cands)

    def resolve(self, probe: Callable[[float], float]) -> float:
        """Measure `probe(t)` (the response diversity at temperature t) for every candidate, fix the
        nearest-to-target one, and return it. Idempotent in effect only if `probe` is deterministic."""
        self.measured = {t: float(probe(t)) for t in self.candidates}
        self.chosen = choose_temperature(self.measured, self.target)
        return self.chosen

    @property
    def resolved(self) -> bool:
        return self.chosen is not None

    def value_at(self, step: int) -> float:
        _check_step_arg(step)
        if self.chosen is None:
            raise UnresolvedScheduleError(
                "the auto temperature schedule is not resolved yet: call resolve(probe) with a function that "
                f"returns the starting policy's {self.measure} diversity at a temperature (candidates "
                f"{list(self.candidates)}, target {self.target}) before asking for value_at(step)"
            )
        return self.chosen

    def knot_values(self) -> tuple[float, ...]:
        return self.candidates


def make_schedule(spec: Any, *, integer: bool = False, allow_auto: bool = True) -> Schedule:
    """A `Schedule` from a config value: a number (constant) or a mapping with `kind` (see the module doc).

    integer: values must be ints and `value_at` returns ints (max response length).
    allow_auto: whether `kind: auto` is accepted (temperature only).
    Raises ScheduleError listing every problem with the spec.
    """
    if isinstance(spec, Schedule):
        return spec
    if _is_number(spec):
        return ConstantSchedule(spec, integer=integer)
    if not isinstance(spec, Mapping):
        want = "an integer" if integer else "a number"
        raise ScheduleError(
            f"expected {want} or a mapping with 'kind' (one of {', '.join(SCHEDULES.names())}), got {spec!r}"
        )
    kind = spec.get("kind")
    if kind is None:
        kinds = ", ".join(SCHEDULES.names())
        raise ScheduleError(f"a schedule mapping needs 'kind' (one of {kinds}), got {dict(spec)!r}")
    try:
        cls = SCHEDULES.get(kind)
    except RegistryError as e:
        raise ScheduleError(str(e)) from None
    if cls is AutoSchedule and not allow_auto:
        raise ScheduleError("kind 'auto' (diversity-determined) is for rollout.temperature only")
    return cls.from_spec(dict(spec), integer=integer)
