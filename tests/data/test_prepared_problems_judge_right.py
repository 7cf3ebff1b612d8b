"""A known-correct program passes and a known-wrong one fails on every schema's prepared problem, judged from the
parquet's ground truth through the real sandbox (both evaluators)."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

import schema_rows as S
from microcoder.data.prepare import prepare
from microcoder.evaluator.judge import judge
from microcoder.evaluator.problems import problem_from_ground_truth

SCHEMAS = S.schemas()


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_known_correct_passes_and_known_wrong_fails_on_each_schema(tmp_path, name):
    spec = SCHEMAS[name]
    src = tmp_path / "rows.jsonl"
    S.write_jsonl(src, spec["rows"])
    prepare(spec["source"], [str(src)], tmp_path / "out", progress=False, log=lambda s: None)
    rows = pq.read_table(tmp_path / "out" / "train.parquet").to_pylist()
    for row, (ok, bad) in zip(rows, spec["programs"]):
        problem = problem_from_ground_truth(row["reward_model"]["ground_truth"], row["extra_info"])
        for evaluator in ("microcoder", "strict"):
            good = judge(ok, problem, evaluator=evaluator)
            assert good.verdict == "pass", (name, evaluator, good)
            wrong = judge(bad, problem, evaluator=evaluator)
            assert wrong.verdict == "fail" and wrong.passed < wrong.total, (name, evaluator, wrong)


def test_a_leetcode_solution_using_list_without_importing_it_passes_under_the_import_header(tmp_path):
    src = tmp_path / "test.jsonl"
    S.write_jsonl(src, S.lcb_rows()[1:])
    prepare("livecodebench", [str(src)], tmp_path / "out", split="test", progress=False)
    row = pq.read_table(tmp_path / "out" / "test.parquet").to_pylist()[0]
    problem = problem_from_ground_truth(row["reward_model"]["ground_truth"])
    no_import = S.CALL_OK_METHOD.replace("from typing import List\n\n", "")
    assert "import" not in no_import
    assert judge(no_import, problem, evaluator="strict").verdict == "pass"
