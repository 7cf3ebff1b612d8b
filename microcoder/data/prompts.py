"""Prompt templates: how a problem statement becomes the chat the model answers (one registry, `PROMPTS`).

Why: the study evaluates on LiveCodeBench, whose scores depend on its prompt; the template is part of the run config
(`data.prompt_template`) and of the prepared data (`microcoder data prepare --template NAME`, recorded in the
manifest), so both backends condition on the same text: verl reads the chat list from the parquet ``prompt``
column, the local backend the same messages as text (`prompt_text`).

    messages = render("livecodebench", question="…", starter_code="class Solution: …", style="call", fn_name="f")
    # [{"role": "system", "content": "You are an expert Python programmer. …"}, {"role": "user", "content": …}]

Templates:
  livecodebench  LiveCodeBench's official code-generation prompt (lcb_runner/prompts/code_generation.py, the
                 generic chat form): its system message, then "### Question:", "### Format:" with the starter code
                 or the stdin instruction and a ``# YOUR CODE HERE`` block, and "### Answer:". The default.
                 Extension (LiveCodeBench always has starter code for call style): a call-style problem without
                 starter code gets a format line naming the function.
  plain          one user message: the statement, the starter code if any, and "answer in one ```python block".
Micro problems (microcoder.data.micro) keep their own embedded prompts; templates apply to prepared data.
"""

from __future__ import annotations

from typing import Callable

from microcoder.registry import Registry

DEFAULT_TEMPLATE = "livecodebench"

PROMPTS: Registry[Callable[..., list[dict]]] = Registry("prompt template")

# The wording of LiveCodeBench's prompt constants (lcb_runner/prompts/code_generation.py, PromptConstants):
# data, not code — a score on LiveCodeBench is comparable only under its prompt.
LCB_SYSTEM = ("You are an expert Python programmer. You will be given a question (problem specification) and will "
              "generate a correct Python program that matches the specification and passes all tests.")
LCB_WITH_STARTER = ("You will use the following starter code to write the solution to the problem and enclose your "
                    "code within delimiters.")
LCB_WITHOUT_STARTER = ("Read the inputs from stdin solve the problem and write the answer to stdout (do not directly "
                       "test on the sample inputs). Enclose your code within delimiters as follows. Ensure that when "
                       "the python program runs, it reads the inputs, runs the algorithm and writes output to STDOUT.")
LCB_ANSWER = "### Answer: (use the provided format with backticks)\n\n"


@PROMPTS.register("livecodebench")
def livecodebench(question: str, starter_code: str = "", style: str = "stdin",
                  fn_name: str | None = None) -> list[dict]:
    """LiveCodeBench's official code-generation prompt (its system message; with or without starter code)."""
    user = f"### Question:\n{question}\n\n"
    if starter_code:
        user += f"### Format: {LCB_WITH_STARTER}\n```python\n{starter_code}\n```\n\n"
    elif style == "call" and fn_name:
        user += (f"### Format: You will write a Python function named `{fn_name}` as the entry point of your solution "
                 f"and enclose your code within delimiters as follows.\n```python\n# YOUR CODE HERE\n```\n\n")
    else:
        user += f"### Format: {LCB_WITHOUT_STARTER}\n```python\n# YOUR CODE HERE\n```\n\n"
    user += LCB_ANSWER
    return [{"role": "system", "content": LCB_SYSTEM}, {"role": "user", "content": user}]


@PROMPTS.register("plain")
def plain(question: str, starter_code: str = "", style: str = "stdin", fn_name: str | None = None) -> list[dict]:
    """The statement, the I/O convention and one instruction: answer in one python block (a user message only)."""
    parts = [question.strip()]
    if starter_code:
        parts.append(f"Complete this code:\n```python\n{starter_code}\n```")
    elif style == "call" and fn_name:
        parts.append(f"Write a Python function named `{fn_name}`.")
    else:
        parts.append("Read the input from stdin and print the answer to stdout.")
    parts.append("Answer with the complete program in one ```python code block.")
    return [{"role": "user", "content": "\n\n".join(parts)}]


def render(template: str, question: str, starter_code: str = "", style: str = "stdin",
           fn_name: str | None = None) -> list[dict]:
    """The chat messages of `template` for one problem (raises listing the templates on an unknown name)."""
    return PROMPTS.get(template)(question, starter_code or "", style, fn_name)


def prompt_text(messages: list[dict]) -> str:
    """The messages as one text (contents joined by a blank line): what a policy with its own chat format (the
    local backend's `format_prompt`) is conditioned on."""
    return "\n\n".join(m["content"].strip() for m in messages if m.get("content"))
