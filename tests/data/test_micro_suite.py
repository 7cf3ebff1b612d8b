"""The micro task suite: generated programs behave as predicted in the real sandbox, splits and records hold."""

import json

import pytest

from microcoder.data.micro import (DATASETS, FAMILIES, FORMATS, MicroProblem, families, generate, load_dataset,
                                   solutions, to_problem_dicts, to_records, wrong_variants)
from microcoder.evaluator import Limits, SandboxPool, judge_many
from microcoder.evaluator.problems import Problem, problem_from_ground_truth
from microcoder.registry import RegistryError

LIM = Limits(time_limit_s=2.0, memory_mb=256)
SAMPLE = 100  # problems judged per tier (each family several times)


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(2) as p:
        # Start the workers from this long-lived thread: bwrap's --die-with-parent kills a worker when the THREAD
        # that started it exits, and judge_many's threads end with each call (a race that reads "worker exited").
        boxes = [p.acquire() for _ in range(p.size)]
        for sb in boxes:
            sb.start()
            p.release(sb)
        yield p


@pytest.fixture(scope="module", params=["easy", "hard"])
def judged(request, pool):
    """A tier's sample with every correct and wrong program judged by both evaluators."""
    probs = generate(SAMPLE, tier=request.param, seed=7, split="train")
    correct = [(v, mp) for mp in probs for v in solutions(mp)]
    wrong = [(code, mp) for mp in probs for code in wrong_variants(mp)]
    ok = judge_many([(v.code, mp.problem) for v, mp in correct], ("microcoder", "strict"), LIM, pool=pool,
                    stop_early=False)
    bad = judge_many([(code, mp.problem) for code, mp in wrong], ("microcoder",), LIM, pool=pool)
    return request.param, probs, list(zip(correct, ok)), list(zip(wrong, bad))


def _where(mp: MicroProblem, code: str) -> str:
    return f"{mp.family} {mp.params}\n{mp.prompt}\n{code}"


def test_every_correct_program_passes_under_microcoder(judged):
    _, _, correct, _ = judged
    for (v, mp), verdicts in correct:
        assert verdicts["microcoder"].ok, _where(mp, v.code) + f"\n{verdicts['microcoder'].reason}"


def test_strict_accepts_the_canonical_and_agrees_with_each_variants_tag(judged):
    _, _, correct, _ = judged
    for (v, mp), verdicts in correct:
        assert verdicts["strict"].ok == v.strict_ok, _where(mp, v.code) + f" ({v.label})"
    canonical = [v for (v, mp), _ in correct if v.label == "canonical"]
    assert canonical and all(v.strict_ok for v in canonical)


def test_format_families_have_a_variant_only_microcoder_accepts(judged):
    tier, probs, correct, _ = judged
    rejected = {mp.problem.id for (v, mp), verdicts in correct if verdicts["microcoder"].ok and not verdicts["strict"].ok}
    formats = [mp for mp in probs if FAMILIES.get(mp.family).fmt]
    assert formats and all(mp.problem.id in rejected for mp in formats)


def test_every_wrong_variant_runs_and_fails_under_microcoder(judged):
    _, _, _, wrong = judged
    for (code, mp), verdicts in wrong:
        assert verdicts["microcoder"].verdict == "fail", _where(mp, code) + f"\n{verdicts['microcoder'].reason}"


def test_each_problem_has_three_to_six_wrong_variants_distinct_from_its_solutions(judged):
    _, probs, _, _ = judged
    for mp in probs:
        assert 3 <= len(mp.wrong) <= 6, mp.family
        assert len(set(mp.wrong)) == len(mp.wrong) and not set(mp.wrong) & set(mp.solutions)


def test_generation_is_deterministic_for_a_seed():
    a = to_problem_dicts(generate(40, tier="mixed", seed=3, split="train"))
    assert a == to_problem_dicts(generate(40, tier="mixed", seed=3, split="train"))
    assert a != to_problem_dicts(generate(40, tier="mixed", seed=4, split="train"))
    assert a[:25] == to_problem_dicts(generate(25, tier="mixed", seed=3, split="train"))  # a prefix of a larger set


def test_train_and_test_share_no_family_parameters():
    train = generate(300, tier="mixed", seed=0, split="train")
    test = generate(300, tier="mixed", seed=0, split="test")
    key = lambda mp: json.dumps([mp.family, mp.params], sort_keys=True)  # noqa: E731
    assert not {key(mp) for mp in train} & {key(mp) for mp in test}
    assert not {mp.problem.id for mp in train} & {mp.problem.id for mp in test}
    assert {mp.family for mp in test} == {mp.family for mp in train} == set(FAMILIES.names())
    assert all(mp.split == "test" for mp in test)


def test_every_family_yields_both_splits_and_the_suite_spans_styles_tiers_and_formats():
    fams = families("mixed")
    assert 12 <= len(fams) <= 20
    for fam in fams:
        for split in ("train", "test"):
            assert generate(1, tier=fam.tier, seed=1, split=split)  # no family starves a split
    assert {f.style for f in fams} == {"stdin", "call"}
    assert sum(f.fmt is not None for f in fams) >= 3 and {f.fmt for f in fams if f.fmt} == set(FORMATS)
    assert {f.platform for f in fams if f.style == "stdin"} == {"atcoder", "codeforces"}
    assert {f.platform for f in fams if f.style == "call"} == {"leetcode"}


def test_platform_and_difficulty_are_set_and_the_tiers_differ():
    easy = generate(100, tier="easy", seed=0, split="train")
    hard = generate(100, tier="hard", seed=0, split="train")
    for mp in easy + hard:
        assert mp.problem.platform in ("atcoder", "codeforces", "leetcode")
        assert mp.problem.difficulty in ("easy", "medium", "hard")
        assert len(mp.problem.tests) == 5 and mp.prompt
    assert {mp.problem.difficulty for mp in easy} == {"easy"}
    assert {mp.problem.difficulty for mp in hard} == {"medium", "hard"}
    assert not {mp.family for mp in easy} & {mp.family for mp in hard}
    cells = {(mp.problem.platform, mp.problem.difficulty) for mp in easy + hard}
    assert len(cells) == 9  # every cell of the results table (platform × difficulty)


def test_records_round_trip_through_problem_from_ground_truth():
    probs = generate(50, tier="mixed", seed=2, split="test")
    for mp, row in zip(probs, to_records(probs)):
        assert row["data_source"] == f"micro/{mp.tier}"
        assert row["prompt"] == [{"role": "user", "content": mp.prompt}]
        assert row["reward_model"]["style"] == "rule"
        assert isinstance(row["reward_model"]["ground_truth"], str)
        assert problem_from_ground_truth(row["reward_model"]["ground_truth"], row["extra_info"]) == mp.problem
        assert row["extra_info"] == {"id": mp.problem.id, "platform": mp.problem.platform,
                                     "difficulty": mp.problem.difficulty, "family": mp.family, "tier": mp.tier,
                                     "split": "test"}


def test_problem_dicts_have_unique_ids_and_load_as_problems():
    dicts = to_problem_dicts(generate(200, tier="mixed", seed=5, split="train"))
    assert len({d["id"] for d in dicts}) == len(dicts)
    for d in dicts:
        assert Problem.from_dict(json.loads(json.dumps(d))).id == d["id"]


def test_every_program_of_a_large_sample_compiles():
    for mp in generate(1000, tier="mixed", seed=1, split="train"):
        for code in mp.solutions + mp.wrong:
            compile(code, mp.problem.id, "exec")


def test_mixed_tier_draws_from_both_tiers_and_bad_arguments_fail():
    assert {mp.tier for mp in generate(40, tier="mixed", seed=0, split="train")} == {"easy", "hard"}
    with pytest.raises(ValueError, match="valid: easy, hard, mixed"):
        generate(1, tier="medium", seed=0, split="train")
    with pytest.raises(ValueError, match="valid: train, test"):
        generate(1, tier="easy", seed=0, split="val")


def test_canonical_solutions_are_short():
    probs = generate(400, tier="mixed", seed=0, split="train")
    assert max(len(mp.solutions[0]) for mp in probs) < 160
    assert max(len(code) for mp in probs for code in mp.solutions + mp.wrong) < 200


def test_named_datasets_resolve_to_tiers_and_unknown_names_list_the_valid_ones():
    assert set(DATASETS.names()) == {"micro-easy", "micro-hard", "micro-mixed"}
    probs = load_dataset("micro-hard", split="test", n=10, seed=0)
    assert len(probs) == 10 and {mp.tier for mp in probs} == {"hard"}
    with pytest.raises(RegistryError) as e:
        load_dataset("micro-medium", split="train", n=1)
    assert "micro-easy" in str(e.value) and "micro-hard" in str(e.value)


def test_jsonl_paths_of_problem_dicts_or_verl_records_load(tmp_path):
    probs = generate(12, tier="mixed", seed=9, split="train")
    ours, verl = tmp_path / "ours.jsonl", tmp_path / "verl.jsonl"
    ours.write_text("".join(json.dumps(d) + "\n" for d in to_problem_dicts(probs)))
    verl.write_text("".join(json.dumps(r) + "\n" for r in to_records(probs)))
    back = load_dataset(str(ours))
    assert [mp.problem for mp in back] == [mp.problem for mp in probs]
    assert [(mp.prompt, mp.solutions, mp.wrong, mp.family) for mp in back] == [
        (mp.prompt, mp.solutions, mp.wrong, mp.family) for mp in probs]
    assert [v.strict_ok for mp in back for v in mp.correct] == [v.strict_ok for mp in probs for v in mp.correct]
    rows = load_dataset(str(verl), n=5)
    assert [(mp.problem, mp.prompt, mp.tier) for mp in rows] == [(mp.problem, mp.prompt, mp.tier) for mp in probs[:5]]
