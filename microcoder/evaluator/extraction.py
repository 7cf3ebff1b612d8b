"""Extract the program to judge from a model's response: the last fenced python code block.

    extract_code("Reasoning...\\n```python\\nprint(1)\\n```\\nDone.")  # 'print(1)\\n'

Rules, in order:

1. Line ends are normalised (CRLF and lone CR → LF).
2. Thinking is removed. Each closed ``<think>…</think>`` section goes. A ``</think>`` left without an opening tag
   (chat templates such as Qwen3's put ``<think>`` in the prompt) drops everything before it. A ``<think>``
   left open (the response ran out while thinking) drops everything after it: a model that never finished
   thinking gave no answer, and code drafted in its thinking is not its answer.
3. Fenced blocks are found line by line as in CommonMark: an opening line of at least three backticks or
   tildes (any indentation; for backticks no backtick in the info string), closed by a line of the same
   character, at least as long, and nothing else. The indentation of the opening fence is removed from the
   block's lines. Fences inside a block of another language do not count.
4. Blocks whose info string's first word is ``python``, ``py``, ``python3`` (any case) or empty count; other
   languages (``bash``, ``text``, ``json``…) and whitespace-only blocks do not. The LAST counting block wins
   (models often draft first and correct later).
5. No counting block → None. A counting block left open at the end (a truncated response) → None, even when an
   earlier block is complete: the final code was cut off, so it is incomplete, and the earlier draft is not
   what the model settled on. An open block of another language does not hide earlier python code.

The returned code ends with one newline. Nothing here runs or parses the code (a syntax error is the judge's
``error`` verdict, not an extraction failure).

Run the tests: ``.venv/bin/pytest -q tests/evaluator/test_extraction.py``.
"""

from __future__ import annotations

import re

PYTHON_INFOS = frozenset({"", "python", "py", "python3"})

_THINK_PAIR = re.compile(r"<think>.*?</think>", re.DOTALL)
_OPEN_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_CLOSE_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*$")


def strip_thinking(response: str) -> str:
    """The response without its thinking (rule 2 above)."""
    text = _THINK_PAIR.sub("", response)
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    if "<think>" in text:
        text = text.split("<think>", 1)[0]
    return text


def extract_code(response: str) -> str | None:
    """The last complete python (or unlabelled) fenced block after thinking is removed, or None."""
    text = strip_thinking(response.replace("\r\n", "\n").replace("\r", "\n"))
    code: str | None = None
    fence = indent = None  # the open block's fence and indentation, None outside a block
    counts = False  # does the open block count as python?
    body: list[str] = []
    for line in text.split("\n"):
        if fence is None:
            m = _OPEN_FENCE.match(line)
            if m is None or (m["fence"][0] == "`" and "`" in m["info"]):
                continue
            fence, indent, body = m["fence"], m["indent"], []
            words = m["info"].split()
            counts = (words[0].lower() if words else "") in PYTHON_INFOS
            continue
        m = _CLOSE_FENCE.match(line)
        if m and m["fence"][0] == fence[0] and len(m["fence"]) >= len(fence):
            if counts and any(b.strip() for b in body):
                code = "\n".join(body) + "\n"
            fence = None
            continue
        lead = len(line) - len(line.lstrip(" \t"))
        body.append(line[min(lead, len(indent)):])  # remove up to the fence's indentation
    if fence is not None and counts:
        return None  # truncated inside the final code block (rule 5)
    return code


def has_answer(response: str) -> bool:
    """Did the response give a complete answer: a closed python block survives rules 1–5 (`extract_code`)?

    False for a response cut off inside its final code block or before writing any: what the truncation mask
    calls not-yet-answered (microcoder.recipe.truncation_mask.eligible_for_mask)."""
    return extract_code(response) is not None
