"""tests/evaluator: `both_evaluators.py` importable under --import-mode=importlib, and one warm sandbox a module."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="module")
def pool():
    from microcoder.evaluator import SandboxPool

    with SandboxPool(1) as p:
        yield p
