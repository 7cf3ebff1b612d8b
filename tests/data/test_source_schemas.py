"""Every source schema loads into the right problem record, through `prepare` to the parquet and JSONL both backends
read, and back through `problem_from_ground_truth` to the Problem the judge sees."""

from __future__ import annotations

import json
import pickle
import base64
import zlib

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import schema_rows as S
from microcoder.data.prepare import prepare
from microcoder.data.record import RowError, decode_lcb_tests, parse_structured
from microcoder.data.sources import SOURCES
from microcoder.evaluator.problems import problem_from_ground_truth
from microcoder.registry import RegistryError

SCHEMAS = S.schemas()


def _prepare(tmp_path, name, rows, **kw):
    src = tmp_path / f"{name}.jsonl"
    S.write_jsonl(src, rows)
    entry = prepare(SCHEMAS[name]["source"], [str(src)], tmp_path / "out", progress=False, log=lambda s: None, **kw)
    split = kw.get("split", "train")
    lines = [json.loads(ln) for ln in open(tmp_path / "out" / f"{split}.jsonl")]
    table = pq.read_table(tmp_path / "out" / f"{split}.parquet").to_pylist()
    return entry, lines, table


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_schema_becomes_the_expected_problem_in_jsonl_and_parquet(tmp_path, name):
    spec = SCHEMAS[name]
    entry, lines, table = _prepare(tmp_path, name, spec["rows"])
    assert entry["counts"]["written"] == len(spec["rows"]) and entry["counts"]["malformed"] == 0
    assert len(lines) == len(table) == len(spec["rows"])
    for line, row, want in zip(lines, table, spec["expect"]):
        assert row["data_source"] == spec["source"] and row["ability"] == "code"
        assert row["reward_model"]["style"] == "rule"
        assert [m["role"] for m in row["prompt"]] == ["system", "user"]  # the LiveCodeBench template's chat
        assert line["question"] in row["prompt"][1]["content"]
        gt = json.loads(row["reward_model"]["ground_truth"])
        assert gt.get("options", {}) == want.get("options", {})
        problem = problem_from_ground_truth(row["reward_model"]["ground_truth"], row["extra_info"])
        assert problem.style == want["style"] and problem.fn_name == want["fn_name"]
        assert [(t.input, t.output) for t in problem.tests] == [(t["input"], t["output"]) for t in want["tests"]]
        for key in ("id", "platform", "difficulty"):
            if key in want:
                assert getattr(problem, key) == want[key], key
        assert row["extra_info"]["id"] == problem.id == line["id"]
        assert row["extra_info"]["style"] == want["style"] and row["extra_info"]["fn_name"] == want["fn_name"]
        assert line["tests"] == gt["tests"] and line["source"] == spec["source"]


def test_lcb_private_tests_decode_from_base64_zlib_pickle_and_keep_the_date(tmp_path):
    entry, lines, _ = _prepare(tmp_path, "livecodebench", S.lcb_rows()[:1])
    assert len(lines[0]["tests"]) == 3 and lines[0]["extra"] == {"contest_id": "abc900", "public_tests": 1,
                                                                  "private_tests": 2}
    assert lines[0]["date"] == "2025-03-01T00:00:00"


def test_a_pickle_holding_anything_but_a_string_is_refused_not_run():
    class Boom:
        def __reduce__(self):
            return (print, ("pwned",))

    blob = base64.b64encode(zlib.compress(pickle.dumps(Boom()))).decode()
    with pytest.raises(RowError, match="refusing to load"):
        decode_lcb_tests(blob, "private_test_cases")


def test_python_literal_strings_parse_without_eval():
    assert parse_structured("[{'input': '1', 'output': (2, 3)}]", "tests") == [{"input": "1", "output": (2, 3)}]
    with pytest.raises(RowError, match="neither JSON nor a Python literal"):
        parse_structured("__import__('os').system('true')", "tests")


def test_malformed_rows_are_reported_with_file_and_row_counted_and_skipped(tmp_path):
    good = S.lcb_rows()
    bad_private = {**good[0], "question_id": "x1", "private_test_cases": "!!not-base64!!"}
    no_id = {k: v for k, v in good[0].items() if k != "question_id"}
    src = tmp_path / "test.jsonl"
    with open(src, "w") as f:
        f.write(json.dumps(good[0]) + "\n{not json\n" + json.dumps(bad_private) + "\n" + json.dumps(no_id) + "\n")
        f.write(json.dumps(good[1]) + "\n")
    logged = []
    entry = prepare("livecodebench", [str(src)], tmp_path / "out", progress=False, log=logged.append)
    assert entry["counts"] == {"read": 5, "written": 2, "malformed": 3, "rejected": 0, "outside_window": 0,
                               "tests": 6}
    assert [e["where"] for e in entry["examples"]] == [f"{src}:2", f"{src}:3", f"{src}:4"]
    assert any(f"{src}:3: malformed: private_test_cases" in m for m in logged)
    assert any("missing question_id" in m for m in logged)


def test_a_problem_without_usable_tests_is_rejected_with_its_reason(tmp_path):
    rows = [{"problem": "No tests here.", "tests": "[]"},
            {"problem": "Mixed.", "tests": json.dumps([{"type": "stdin_stdout", "input": "1", "output": "1"},
                                                       {"type": "function_call", "fn_name": "f", "input": [1],
                                                        "output": [1]}])},
            SCHEMAS["deepcoder-codeforces"]["rows"][0]]
    src = tmp_path / "dc.jsonl"
    S.write_jsonl(src, rows)
    entry = prepare("deepcoder", [str(src)], tmp_path / "out", progress=False, log=lambda s: None)
    assert entry["counts"]["written"] == 1 and entry["counts"]["rejected"] == 2
    assert entry["rejected"] == {"no usable test": 1, "tests mix stdin_stdout and function_call types": 1}


def test_interactive_codeforces_problems_are_rejected(tmp_path):
    row = {**SCHEMAS["open-r1-codeforces"]["rows"][0], "interaction_format": "Interact with the judge."}
    src = tmp_path / "cf.jsonl"
    S.write_jsonl(src, [row])
    with pytest.raises(ValueError, match="no usable problem"):
        prepare("open-r1-codeforces", [str(src)], tmp_path / "out", progress=False, log=lambda s: None)


def test_window_keeps_contest_dates_in_start_inclusive_end_exclusive_and_is_recorded(tmp_path):
    entry, lines, _ = _prepare(tmp_path, "livecodebench", S.lcb_rows(), window="2024-06-01:2025-03-01", split="test")
    assert [ln["id"] for ln in lines] == ["3999"] and entry["counts"]["outside_window"] == 1  # 2025-03-01 is out
    entry, lines, _ = _prepare(tmp_path, "livecodebench", S.lcb_rows(), window="2025-03-01:", split="test")
    assert [ln["id"] for ln in lines] == ["abc900_a"] and entry["counts"]["outside_window"] == 1
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["window"] == "2025-03-01:" and manifest["splits"]["test"]["window"] == "2025-03-01:"
    with pytest.raises(ValueError, match="START:END"):
        prepare("livecodebench", [str(tmp_path)], tmp_path / "o2", window="2025-03-01", progress=False)


def test_release_reads_the_cumulative_files_of_a_folder_in_order(tmp_path):
    rel = tmp_path / "lcb"
    rel.mkdir()
    a, b = S.lcb_rows()
    S.write_jsonl(rel / "test.jsonl", [a])
    S.write_jsonl(rel / "test2.jsonl", [b])
    S.write_jsonl(rel / "test3.jsonl", [{**a, "question_id": "later"}])
    (rel / "notes.jsonl").write_text("{}\n")  # not a release file: ignored
    out = prepare("livecodebench", [str(rel)], tmp_path / "v2", split="test", release="v2", progress=False)
    assert out["counts"]["written"] == 2 and out["release"] == "v2"
    out = prepare("livecodebench", [str(rel)], tmp_path / "all", split="test", progress=False)
    assert out["counts"]["written"] == 3
    with pytest.raises(FileNotFoundError, match="test4.jsonl"):
        prepare("livecodebench", [str(rel)], tmp_path / "v4", release="release_v4", progress=False)


def test_parquet_inputs_are_read_in_batches(tmp_path):
    rows = S.lcb_rows() * 1
    src = tmp_path / "lcb.parquet"
    pq.write_table(pa.Table.from_pylist(rows), src, row_group_size=1)
    out = prepare("livecodebench", [str(src)], tmp_path / "out", split="test", progress=False)
    assert out["counts"]["written"] == 2 and out["input"] == [str(src)]


def test_duplicates_are_rejected_and_limit_stops_early(tmp_path):
    a = S.lcb_rows()[0]
    src = tmp_path / "test.jsonl"
    S.write_jsonl(src, [a, a, {**a, "question_id": "b"}, {**a, "question_id": "c"}])
    out = prepare("livecodebench", [str(src)], tmp_path / "out", limit=2, progress=False, log=lambda s: None)
    assert out["counts"]["written"] == 2 and out["rejected"] == {"duplicate id 'abc900_a'": 1}


def test_unknown_source_and_template_list_the_valid_names(tmp_path):
    with pytest.raises(RegistryError, match="livecodebench"):
        prepare("lcb", [str(tmp_path)], tmp_path / "out")
    with pytest.raises(RegistryError, match="plain"):
        prepare("livecodebench", [str(tmp_path)], tmp_path / "out", template="fancy")
    assert "deepcoder-taco" in SOURCES and "open-r1-codeforces" in SOURCES


def test_unknown_judging_options_in_our_format_are_malformed_rows(tmp_path):
    row = {"id": "x", "question": "q", "tests": [{"input": "1", "output": "1"}], "options": {"ignore_case": True}}
    src = tmp_path / "own.jsonl"
    S.write_jsonl(src, [row, SCHEMAS["microcoder"]["rows"][1]])
    out = prepare("microcoder", [str(src)], tmp_path / "out", progress=False, log=lambda s: None)
    assert out["counts"]["malformed"] == 1
    assert "ignore_case" in out["examples"][0]["reason"] and "case_insensitive" in out["examples"][0]["reason"]


def test_string_return_values_that_look_like_json_stay_strings_for_the_judge(tmp_path):
    row = {"id": "bin", "question": "Add two binary strings.", "style": "call", "fn_name": "addBinary",
           "tests": [{"input": ["11", "1"], "output": "100"}, {"input": ["0", "0"], "output": "0"},
                     {"input": ["a", "b"], "output": "ab"}, {"input": [1, 2], "output": 3}]}
    entry, lines, table = _prepare(tmp_path, "microcoder", [row])
    problem = problem_from_ground_truth(table[0]["reward_model"]["ground_truth"])
    assert [t.output for t in problem.tests] == ["100", "0", "ab", 3]
    from microcoder.data.resolve import problem_from_line

    assert [t.output for t in problem_from_line(lines[0]).problem.tests] == ["100", "0", "ab", 3]
