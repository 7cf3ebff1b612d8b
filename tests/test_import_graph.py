"""Floors, no loops (issue 10): the project's module-level imports form no cycle, and analysis never reaches a
backend — no analysis module imports one, and loading a whole study and drawing every figure and the report
imports none (nor torch, nor the probes)."""

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("microcoder", "sweeps", "analysis")
BACKEND_SIDE = ("microcoder.backends.local", "microcoder.backends.verl", "microcoder.probes", "torch", "verl")
"""A backend's implementation (the registry of backend names, microcoder.backends, is a light floor)."""


def _backend_side(module: str) -> bool:
    return any(module == b or module.startswith(b + ".") for b in BACKEND_SIDE)


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for f in (REPO / pkg).rglob("*.py"):
            parts = f.relative_to(REPO).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    return out


def _imports(name: str, path: Path, modules: dict, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            candidates = [module] + [f"{module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        found |= {c for c in candidates if c in modules or _backend_side(c)}
    return found


def test_module_level_imports_have_no_cycle():
    modules = _modules()
    graph = {m: {d for d in _imports(m, p, modules, True) if d in modules and d != m} for m, p in modules.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycles.append(path[path.index(d):] + [d] if d in path else [m, d])
            elif d not in state:
                visit(d, path + [d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_no_analysis_module_imports_a_backend_the_probes_or_torch():
    modules = _modules()
    bad = {m: sorted(d for d in _imports(m, p, modules, False) if _backend_side(d))
           for m, p in modules.items() if m.startswith("analysis")}
    assert not {m: d for m, d in bad.items() if d}


def test_loading_a_study_and_drawing_every_figure_and_the_report_imports_no_backend(tmp_path):
    script = f"""
import sys
sys.path.insert(0, {str(REPO / "tests" / "analysis")!r})
from conftest import build_study
from microcoder.cli import main
root = build_study(__import__("pathlib").Path({str(tmp_path)!r}) / "study")
assert main(["figures", str(root), "--out", {str(tmp_path / "figures")!r}]) == 0
print(sorted(m for m in sys.modules if any(m == b or m.startswith(b + ".") for b in {BACKEND_SIDE!r})))
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "figures" / "report.md").exists()
    assert proc.stdout.strip().splitlines()[-1] == "[]"
