"""Registries: names are known before their modules are imported, lookups import on first use, and every mistake
(a typo, a taken name, a declaration its module does not back) fails naming what is valid."""

import sys
import textwrap

import pytest

from microcoder.registry import Registry, RegistryError, did_you_mean


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """Write a module `name` with `source` on sys.path; it is forgotten after the test."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(name: str, source: str) -> str:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        monkeypatch.delitem(sys.modules, name, raising=False)
        return name

    yield write


def test_a_lazy_entry_is_listed_without_importing_its_module(plugin):
    mod = plugin("reg_lazy_listed", "def fn():\n    '''Does a thing. More.'''\n")
    reg = Registry("thing")
    reg.add_lazy("fn", f"{mod}:fn", "Declared doc.")
    assert reg.names() == ["fn"] and "fn" in reg and len(reg) == 1
    assert reg.doc("fn") == "Declared doc."
    assert mod not in sys.modules


def test_get_imports_a_lazy_entry_on_first_use(plugin):
    mod = plugin("reg_lazy_get", "def fn():\n    '''Does a thing. More.'''\n")
    reg = Registry("thing")
    reg.add_lazy("fn", f"{mod}:fn")
    assert reg.get("fn") is sys.modules[mod].fn
    assert reg.doc("fn") == "Does a thing."


def test_a_declared_name_its_module_registers_resolves_to_the_registered_object(plugin):
    reg = Registry("thing")
    sys.modules["reg_shared"] = type(sys)("reg_shared")
    sys.modules["reg_shared"].REG = reg
    try:
        mod = plugin("reg_self_registering", """
            from reg_shared import REG

            @REG.register("a")
            def a():
                pass

            REG.add("b", object())
        """)
        reg.add_lazy("a", f"{mod}:a")
        reg.add_lazy("b", mod)
        assert reg.get("a") is sys.modules[mod].a
        assert reg.get("b") is not None
    finally:
        del sys.modules["reg_shared"]


def test_a_declaration_its_module_does_not_back_fails_naming_the_target(plugin):
    mod = plugin("reg_missing", "x = 1\n")
    reg = Registry("thing")
    reg.add_lazy("fn", f"{mod}:fn")
    with pytest.raises(RegistryError, match=f"thing 'fn' is declared as {mod}:fn, but importing {mod} neither"):
        reg.get("fn")


def test_registering_a_declared_name_from_another_module_is_refused():
    reg = Registry("thing")
    reg.add_lazy("fn", "reg_not_imported_anywhere:fn")
    with pytest.raises(RegistryError, match="thing 'fn' is already registered .declared in reg_not_imported"):
        reg.add("fn", object())


def test_a_taken_name_is_refused_eager_or_lazy():
    reg = Registry("thing")
    reg.add("a", 1)
    with pytest.raises(RegistryError, match="thing 'a' is already registered"):
        reg.add("a", 2)
    with pytest.raises(RegistryError, match="thing 'a' is already registered"):
        reg.add_lazy("a", "somewhere:a")


def test_an_unknown_name_lists_the_valid_ones_and_the_nearest():
    reg = Registry("evaluator")
    reg.add("microcoder", 1)
    reg.add("strict", 2)
    with pytest.raises(RegistryError) as e:
        reg.get("strikt")
    assert str(e.value) == "unknown evaluator 'strikt'; valid: microcoder, strict; did you mean 'strict'?"


def test_did_you_mean_suggests_the_nearest_candidate_or_nothing():
    assert did_you_mean("strikt", ["strict", "microcoder"]) == "; did you mean 'strict'?"
    assert did_you_mean("zzz", ["strict", "microcoder"]) == ""
    assert did_you_mean("lrr", {"lr": "actor.lr"}) == "; did you mean 'actor.lr'?"  # matched by key, shown by value
    assert did_you_mean("stri", ["strict"], cutoff=0.9) == ""


def _all_registries():
    from analysis.figures import FIGURES
    from microcoder.backends import BACKENDS
    from microcoder.data.micro import DATASETS
    from microcoder.data.prompts import PROMPTS
    from microcoder.data.sources import SOURCES
    from microcoder.evaluator.comparators import COMPARATORS
    from microcoder.models import PRESETS
    from microcoder.recipe.diversity import DIVERSITY
    from microcoder.recipe.mask_registry import MASKS
    from microcoder.recipe.schedules import SCHEDULES

    return [FIGURES, BACKENDS, DATASETS, PROMPTS, SOURCES, COMPARATORS, PRESETS, DIVERSITY, MASKS, SCHEDULES]


@pytest.mark.parametrize("registry", _all_registries(), ids=lambda r: r.kind)
def test_every_declared_entry_is_backed_by_its_module(registry):
    for name in registry.names():
        assert registry.get(name) is not None
        assert registry.doc(name)
