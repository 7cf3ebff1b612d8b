"""`microcoder ls`: each registry's names, as the registries themselves hold them, with a one-line doc each."""

import subprocess
import sys

import pytest

from microcoder.cli import main
from microcoder.ls_command import LISTERS, entries


def test_ls_lists_every_registry_with_the_names_its_registry_holds(capsys):
    from analysis.figures import FIGURES
    from microcoder.backends import BACKENDS
    from microcoder.evaluator.comparators import COMPARATORS
    from microcoder.recipe.truncation_mask import MASKS

    assert main(["ls"]) == 0
    out = capsys.readouterr().out
    for what in LISTERS:
        assert f"\n{what}: " in "\n" + out, what
    for registry, what in ((MASKS, "masks"), (COMPARATORS, "evaluators"), (BACKENDS, "backends"),
                           (FIGURES, "figures")):
        assert [name for name, _ in entries(what)] == registry.names()


def test_listing_every_registry_imports_neither_torch_nor_matplotlib():
    code = ("import sys; from microcoder.ls_command import LISTERS, entries; [entries(w) for w in LISTERS]; "
            "print(sorted(m for m in ('torch', 'transformers', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_entry_has_a_short_doc():
    for what in LISTERS:
        for name, doc in entries(what):
            if what != "datasets" or name.startswith("micro-"):
                assert doc and len(doc) <= 110, (what, name, doc)


def test_ls_datasets_shows_the_prepared_ones_too(tmp_path, monkeypatch, capsys):
    (tmp_path / "lcb").mkdir()
    (tmp_path / "lcb" / "test.jsonl").write_text("")
    monkeypatch.setenv("MICROCODER_DATA_DIR", str(tmp_path))
    assert main(["ls", "datasets"]) == 0
    out = capsys.readouterr().out
    rows = [line.split(None, 1) for line in out.splitlines() if line.startswith("  ")]
    assert ["lcb", f"prepared, under {tmp_path}"] in rows and any(r[0] == "micro-hard" for r in rows)


def test_ls_refuses_an_unknown_registry_naming_the_valid_ones(capsys):
    with pytest.raises(SystemExit):
        main(["ls", "maskz"])
    assert "masks" in capsys.readouterr().err
