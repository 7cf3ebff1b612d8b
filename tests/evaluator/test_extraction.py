"""Code extraction from model responses, and the demo samples that exercise it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcoder.evaluator.extraction import extract_code, strip_thinking

SAMPLES = Path(__file__).resolve().parents[2] / "microcoder" / "data" / "samples"


def fenced(code: str, info: str = "python", fence: str = "```") -> str:
    return f"{fence}{info}\n{code}{fence}\n"


# -------------------------------------------------------------------------------------------------------- which block


def test_extracts_the_last_python_block():
    response = "Draft:\n" + fenced("print(1)\n") + "Better:\n" + fenced("print(2)\n") + "Done."
    assert extract_code(response) == "print(2)\n"


def test_no_fence_gives_none():
    assert extract_code("print(1)") is None
    assert extract_code("") is None
    assert extract_code("Use `print(1)` here.") is None


@pytest.mark.parametrize("info", ["python", "py", "python3", "Python", "PY", "", "python title=x.py", "  python"])
def test_python_and_unlabelled_blocks_count(info):
    assert extract_code(fenced("x = 1\n", info)) == "x = 1\n"


@pytest.mark.parametrize("info", ["bash", "text", "json", "cpp", "python2x", "pycon"])
def test_other_language_blocks_are_skipped(info):
    response = fenced("print(1)\n") + fenced("echo 2\n", info)
    assert extract_code(response) == "print(1)\n"
    assert extract_code(fenced("echo 2\n", info)) is None


def test_whitespace_only_block_is_skipped():
    assert extract_code(fenced("print(1)\n") + fenced("   \n\n")) == "print(1)\n"
    assert extract_code(fenced("\n")) is None


def test_unclosed_final_python_fence_gives_none_even_after_a_complete_block():
    truncated = fenced("print(1)\n") + "Improved:\n```python\nprint(2"
    assert extract_code(truncated) is None
    assert extract_code("```\nprint(1)\n") is None


def test_unclosed_fence_of_another_language_keeps_the_earlier_python_block():
    assert extract_code(fenced("print(1)\n") + "Output:\n```text\n1\n") == "print(1)\n"


# ------------------------------------------------------------------------------------------------------- fence syntax


def test_tilde_fences_count():
    assert extract_code(fenced("print(1)\n", fence="~~~")) == "print(1)\n"


def test_closing_fence_must_use_the_same_character():
    response = "```python\nprint(1)\n~~~\nprint(2)\n```\n"
    assert extract_code(response) == "print(1)\n~~~\nprint(2)\n"


def test_longer_fence_keeps_triple_backticks_inside():
    code = 's = """\n```\n"""\nprint(s)\n'
    assert extract_code(fenced(code, fence="````")) == code


def test_closing_fence_may_be_longer_and_have_trailing_spaces():
    assert extract_code("```python\nprint(1)\n`````   \n") == "print(1)\n"


def test_inline_triple_backticks_are_not_a_fence():
    assert extract_code("Run ```python print(1)``` now.") is None


def test_indented_fence_removes_its_indentation():
    response = "1. Solution:\n   ```python\n   def f():\n       return 1\n   print(f())\n   ```\n"
    assert extract_code(response) == "def f():\n    return 1\nprint(f())\n"


def test_crlf_and_cr_line_ends_are_normalised():
    assert extract_code("text\r\n```python\r\nprint(1)\r\nprint(2)\r\n```\r\n") == "print(1)\nprint(2)\n"
    assert extract_code("```python\rprint(1)\r```") == "print(1)\n"


def test_fence_inside_another_language_block_does_not_count():
    response = fenced("print(1)\n") + "````markdown\n```python\nprint(2)\n```\n````\n"
    assert extract_code(response) == "print(1)\n"


def test_code_is_returned_verbatim_without_running_or_parsing():
    code = "def f(:\n\tpass\n"  # a syntax error is the judge's business
    assert extract_code(fenced(code)) == code


# ----------------------------------------------------------------------------------------------------------- thinking


def test_code_inside_thinking_is_ignored():
    response = "<think>\nMaybe:\n" + fenced("print(0)\n") + "</think>\nAnswer:\n" + fenced("print(1)\n")
    assert extract_code(response) == "print(1)\n"


def test_thinking_only_code_gives_none():
    assert extract_code("<think>\n" + fenced("print(0)\n") + "</think>\nI could not solve it.") is None


def test_every_closed_thinking_section_is_removed():
    response = "<think>a</think>" + fenced("print(1)\n") + "<think>\n" + fenced("print(2)\n") + "</think>done"
    assert extract_code(response) == "print(1)\n"


def test_orphan_closing_think_drops_everything_before_it():
    # chat templates such as Qwen3's open <think> in the prompt: the response starts inside the thinking
    response = "reasoning\n" + fenced("print(0)\n") + "</think>\n\n" + fenced("print(1)\n")
    assert extract_code(response) == "print(1)\n"


def test_unclosed_think_means_the_model_gave_no_answer():
    assert extract_code("<think>\nI will write:\n" + fenced("print(1)\n") + "hmm, wait") is None
    assert extract_code(fenced("print(1)\n") + "<think>\nbut") == "print(1)\n"  # before it still counts


def test_strip_thinking_keeps_the_answer_text():
    assert strip_thinking("<think>x</think>A<think>y</think>B") == "AB"
    assert strip_thinking("x</think>A") == "A"
    assert strip_thinking("A<think>x") == "A"


# --------------------------------------------------------------------------------------------------------- properties

code_lines = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"), max_size=30).filter(
    lambda line: not line.lstrip(" \t").startswith(("```", "~~~")) and "think>" not in line
)
codes = st.lists(code_lines, min_size=1, max_size=8).filter(lambda ls: any(x.strip() for x in ls)).map(
    lambda ls: "\n".join(ls) + "\n"
)


@settings(max_examples=150, deadline=None)
@given(code=codes, prose=st.sampled_from(["", "Here:\n", "<think>plan</think>\n", "x</think>\n"]),
       eol=st.sampled_from(["\n", "\r\n"]))
def test_wrapped_code_round_trips(code, prose, eol):
    response = (prose + fenced(code) + "That is all.\n").replace("\n", eol)
    assert extract_code(response) == code


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["`", "```", "~~~", "\n", " ", "python", "<think>", "</think>", "x", "\r"]),
                max_size=40).map("".join))
def test_extraction_never_raises_on_any_text(text):
    out = extract_code(text)
    assert out is None or (out.endswith("\n") and out.strip())


# ------------------------------------------------------------------------------------------------------- demo samples


def _jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (SAMPLES / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_demo_samples_are_well_formed():
    problems = {p["id"]: p for p in _jsonl("problems.jsonl")}
    solutions = _jsonl("solutions.jsonl")
    assert len(problems) == len(_jsonl("problems.jsonl")) >= 10
    assert len({s["id"] for s in solutions}) == len(solutions) >= 16
    for p in problems.values():
        assert p["style"] in ("stdin", "call") and p["tests"]
        for t in p["tests"]:
            if p["style"] == "stdin":
                assert type(t["input"]) is str and type(t["output"]) is str
            else:
                assert p["fn_name"].isidentifier() and type(t["input"]) is list
    for s in solutions:
        assert s["id"] in problems and (type(s.get("code")) is str or type(s.get("response")) is str)
    assert any(p.get("unordered") for p in problems.values())
    assert any(p["style"] == "call" and "class Solution" in (s.get("code") or s.get("response", ""))
               for s in solutions for p in [problems[s["id"]]])


def test_demo_responses_extract_except_the_truncated_one():
    responses = {s["id"]: s["response"] for s in _jsonl("solutions.jsonl") if "response" in s}
    assert "<think>" in "".join(responses.values())
    extracted = {sid: extract_code(r) for sid, r in responses.items()}
    assert [sid for sid, code in extracted.items() if code is None] == ["double"]
    for sid, code in extracted.items():
        if code is not None:
            compile(code, sid, "exec")  # the demo's model-style answers are valid python
