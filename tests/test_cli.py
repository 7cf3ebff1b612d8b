"""The `microcoder` command is one table: every row's module exports add_arguments(parser) and run(args) -> int."""

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from microcoder.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name,module", [(name, module) for name, module, _ in COMMANDS])
def test_every_command_module_exports_add_arguments_and_run(name, module):
    mod = importlib.import_module(module)
    assert callable(mod.add_arguments) and callable(mod.run)
    parser = argparse.ArgumentParser()
    mod.add_arguments(parser)  # standalone: a module's options need nothing from cli.py


def test_the_parser_has_one_subcommand_per_row_with_its_help_in_table_order():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == [name for name, _, _ in COMMANDS]
    assert [c.help for c in sub._choices_actions] == [text for _, _, text in COMMANDS]


def test_building_the_parser_imports_neither_torch_nor_rich():
    code = "import sys, microcoder.cli as c; c.build_parser(); print(sorted({'torch', 'rich'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr


def test_python_dash_m_microcoder_is_the_same_command():
    out = subprocess.run([sys.executable, "-m", "microcoder", "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and all(name in out.stdout for name, _, _ in COMMANDS)


def test_train_refuses_a_flag_only_the_other_backend_reads(capsys):
    assert main(["train", "--gpus", "4"]) == 2
    assert "--gpus applies to --backend verl only (this run: --backend local)" in capsys.readouterr().err
    assert main(["train", "--backend", "verl", "--device", "cpu", "--cache-dir", "c"]) == 2
    assert "--cache-dir, --device apply to --backend local only" in capsys.readouterr().err
