"""The code evaluator: run model-written programs in a sandbox and judge their outputs.

Two comparators form the study's evaluator axis (MicroCoder-Insights, "Code Evaluator Robustness"):
``microcoder`` (robust, multi-strategy) and ``strict`` (LiveCodeBench-style). See `sandbox` for what the jail
covers, `comparators` for the strategies, `judge` for verdicts and verl's ``compute_score``.
"""

from .judge import VERDICTS, TestVerdict, Verdict, compute_score, judge, judge_many, judge_multi
from .problems import Problem, ProblemError, Solution, TestCase, load_problems, load_solutions
from .sandbox import Limits, Sandbox, SandboxPool, jail_mode

__all__ = [
    "VERDICTS", "TestVerdict", "Verdict", "compute_score", "judge", "judge_many", "judge_multi",
    "Problem", "ProblemError", "Solution", "TestCase", "load_problems", "load_solutions",
    "Limits", "Sandbox", "SandboxPool", "jail_mode",
]
