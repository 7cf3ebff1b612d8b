"""The catalog of the study's claims and the claims table: every insight bullet of the study is listed, measured or
marked with the reason it is not, never decided on one seed, and every claim reaches the report."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from analysis.claims_catalog import BY_ID, CATALOG, MEASURED, SECTIONS, SPEC_FIGURES, Claim
from analysis.effects import MEASURES, Finding, compare, per_run, relation, run_stat
from analysis.findings import NO_SWEEP_VERDICT, NOT_TESTABLE_VERDICT, ONE_SEED_NOTE, claims_table, combined_verdict
from analysis.loading import load_run_store
from analysis.report import SweepSection, write_report

HERE = Path(__file__).resolve().parent
VENDORED = HERE / "reference" / "microcoder-insights.md"
SHARED = [p / "shared" / "reference" / "microcoder-insights.md" for p in (HERE.parents[1], HERE.parents[2])]
NOT_CLAIMS = {"News", "Related Papers", "Citation", "License"}  # sections of the reference whose bullets are no claims
STEPS = 30


def reference_text() -> str:
    """The study's insights file: the shared reference where this checkout has one, else the copy beside the tests."""
    for path in SHARED:
        if path.exists():
            return path.read_text()
    return VENDORED.read_text()


def insight_bullets(text: str) -> dict[str, list[str]]:
    """Section (emoji dropped) → the bold titles of its bullets, in order, for every section that holds claims."""
    out: dict[str, list[str]] = {}
    section = None
    for line in text.splitlines():
        if line.startswith("## "):
            section = re.sub(r"[^\x20-\x7e]", "", line[3:]).strip()
        elif section and section not in NOT_CLAIMS and line.startswith("- "):
            m = re.match(r"- \*\*(.+?)\*\*(\S*)", line)  # the file writes "**...capabilitie**s:" once or twice
            assert m, f"a bullet without a bold title in {section}: {line[:60]}"
            out.setdefault(section, []).append((m.group(1) + m.group(2)).rstrip(":").strip())
    return out


# ------------------------------------------------------------------------------------------ the catalog itself

def test_catalog_has_exactly_one_entry_per_insight_bullet_of_the_reference_in_its_order():
    bullets = insight_bullets(reference_text())
    assert list(bullets) == list(SECTIONS)
    for section, titles in bullets.items():
        assert [c.title for c in CATALOG if c.section == section] == titles, section
    assert len(CATALOG) == sum(len(t) for t in bullets.values())


def test_the_copy_of_the_reference_beside_the_tests_is_the_shared_study_file():
    shared = [p for p in SHARED if p.exists()]
    if not shared:
        pytest.skip("no shared/reference in this checkout: the copy beside the tests stands in for it")
    assert VENDORED.read_text() == shared[0].read_text()


def test_every_claim_is_measured_by_a_registered_function_or_says_why_not():
    assert len(BY_ID) == len(CATALOG)
    for c in CATALOG:
        if c.kind == MEASURED:
            assert c.id in MEASURES and c.spec in SPEC_FIGURES and c.study_figure and len(c.measure) > 20, c.id
        else:
            assert c.id not in MEASURES and len(c.not_testable) > 40, c.id
    assert set(MEASURES) <= {c.id for c in CATALOG if c.kind == MEASURED}


def test_a_claim_must_be_either_measured_or_explained_and_name_a_known_spec():
    with pytest.raises(ValueError, match="exactly one"):
        Claim("X-1", SECTIONS[0], "t", "text")
    with pytest.raises(ValueError, match="exactly one"):
        Claim("X-1", SECTIONS[0], "t", "text", spec="kl_clip", measure="m", not_testable="why")
    with pytest.raises(ValueError, match="valid: generations"):
        Claim("X-1", SECTIONS[0], "t", "text", spec="kl-clip", measure="m")
    with pytest.raises(ValueError, match="unknown section"):
        Claim("X-1", "Motivations", "t", "text", not_testable="why")


# ------------------------------------------------------------------------------------------ synthetic sweeps

def write_sweep(fx, root: Path, sweep: str, figure: str, arms: dict, seeds) -> Path:
    """arms: name → (config, row(step, seed) -> metrics); one run per arm and seed, and the sweep.json."""
    runs = []
    for arm, (config, row) in arms.items():
        for seed in seeds:
            name = f"{arm}-s{seed}"
            rows = [(t, row(t, seed)) for t in range(STEPS + 1)]
            run_config = {**config, "trainer": {"seed": seed}}
            fx.write_run(root, sweep, name, rows, run_config)
            runs.append({"name": name, "arm": arm, "seed": seed, "config": run_config})
    fx.save_sweep_json(root, {"name": sweep, "figure": figure, "arms": {a: {} for a in arms}, "seeds": list(seeds)},
                       runs)
    return root


def kl_arms() -> dict:
    """KL loses diversity and its accuracy rises then falls (further on seeds that lose more); no-KL keeps both."""
    def kl(t, s):
        slope = 0.01 + 0.002 * s
        acc = 0.3 + 0.01 * min(t, 15) - slope * max(t - 15, 0)
        return {"train/response_diversity": 0.7 - slope * t, "train/response_length": 100 + 0.5 * t + s,
                **({"test/accuracy": acc} if t % 5 == 0 else {})}

    def nokl(t, s):
        return {"train/response_diversity": 0.7 - 0.0005 * s * t, "train/response_length": 100 + 3 * t + s,
                **({"test/accuracy": 0.3 + 0.01 * t + 0.002 * s} if t % 5 == 0 else {})}

    return {"kl-loss": ({"actor": {"use_kl_loss": True}}, kl), "no-kl": ({"actor": {"use_kl_loss": False}}, nokl)}


def rows_of(table, *ids):
    by = {r.claim.id: r for r in table}
    return [by[i] for i in ids]


def test_separated_seeds_decide_a_claim_and_the_sweep_is_found_by_its_figure(fx, tmp_path):
    runs = load_run_store([write_sweep(fx, tmp_path, "kl-3seeds", "9_2", kl_arms(), (0, 1, 2))])
    kl1, kl2 = rows_of(claims_table(runs.sweeps), "KL-1", "KL-2")
    assert kl1.sweep == "kl-3seeds" and kl1.verdict == "supports" and len(kl1.parts) == 4
    assert all(p.verdict == "supports" for p in kl1.parts) and kl1.parts[0].seeds == "3 vs 3"
    assert kl2.verdict == "supports" and kl2.parts[0].high < 0  # the more diversity lost, the further accuracy fell


def test_a_one_seed_sweep_never_supports_or_contradicts_and_says_why(fx, tmp_path):
    runs = load_run_store([write_sweep(fx, tmp_path, "kl_clip", "9_2", kl_arms(), (0,))])
    table = [r for r in claims_table(runs.sweeps) if r.sweep == "kl_clip"]
    assert {r.claim.id for r in table} == {"KL-1", "KL-2"}
    for r in table:
        assert r.verdict == "cannot tell" and ONE_SEED_NOTE in r.note
        assert all(p.verdict == "cannot tell" for p in r.parts)
    kl1 = rows_of(table, "KL-1")[0]
    assert all(np.isfinite(p.effect) for p in kl1.parts)  # measured all the same: the effects are shown


def test_one_seed_gets_no_verdict_even_where_a_ci_exists_over_arms_or_checkpoints(study):
    rows = {r.claim.id: r for r in claims_table(study.sweeps)}
    probe = rows["TEMP-2"].parts[0]  # the fixture's temperature probe: a CI over two checkpoints of one run
    assert np.isfinite(probe.low) and probe.verdict == "cannot tell"
    for r in rows.values():
        if r.sweep in ("temperature", "context_length", "truncation_mask", "batch_size"):  # one seed each
            assert r.verdict == "cannot tell" and ONE_SEED_NOTE in r.note, r.claim.id


def test_mask_mechanism_claims_are_read_from_the_masked_and_truncated_fractions(fx, tmp_path):
    def arm(mode, ratio, masked_share):
        def row(t, s):
            trunc = 0.3 + 0.01 * s
            return {"train/truncated_fraction": trunc, "train/masked_fraction": masked_share * trunc,
                    "train/response_length": 20 + t, "train/response_diversity": 0.6,
                    **({"test/accuracy": 0.3 + 0.005 * t} if t % 5 == 0 else {})}
        return {"mask": {"mode": mode, "ratio": ratio}}, row

    arms = {"no-mask": arm("none", 0.1, 0.0), "cond-mask-30": arm("conditional", 0.3, 0.15),
            "mask-all": arm("complete", 0.1, 1.0)}
    runs = load_run_store([write_sweep(fx, tmp_path, "truncation_mask", "12_2", arms, (0, 1, 2))])
    mask1, mask2 = rows_of(claims_table(runs.sweeps), "MASK-1", "MASK-2")
    assert mask1.verdict == "supports" and "within ±0.01" in mask1.parts[1].note  # masked == truncated, mask-all
    assert mask2.verdict == "supports"  # fires, and masks at most ratio × truncated
    assert mask2.parts[1].effect == pytest.approx((0.3 - 0.15) * 0.31)


def test_data_claims_find_the_micro_tiers_by_config_and_an_equal_change_supports_a_no_difference_claim(fx,
                                                                                                          tmp_path):
    def arm(tier, reward0, acc_slope):
        def row(t, s):
            return {"train/critic_reward": reward0 + 0.005 * t + 0.001 * s, "train/response_length": 20 + t,
                    **({"test/accuracy": 0.3 + acc_slope * t + 0.001 * s} if t % 5 == 0 else {})}
        return {"data": {"train": tier}}, row

    arms = {"deepcoder-dataset": arm("micro-easy", 0.6, 0.0005), "microcoder-dataset": arm("micro-hard", 0.2, 0.004)}
    runs = load_run_store([write_sweep(fx, tmp_path, "data", "8_2", arms, (0, 1, 2))])
    d1, d2, d3 = rows_of(claims_table(runs.sweeps), "DATA-1", "DATA-2", "DATA-3")
    assert d2.parts[0].measure.endswith("microcoder-dataset − deepcoder-dataset") and d2.verdict == "supports"
    assert d1.verdict == "supports" and d3.verdict == "supports"
    assert "within ±0.05" in d3.parts[0].note
    s = runs.sweep("data")
    apart = compare(s, "c", "s", ["microcoder-dataset"], ["deepcoder-dataset"], "test/accuracy", "change", 0,
                    margin=0.001)
    assert apart.verdict == "contradicts"  # the accuracy gains differ by far more than ±0.001


# ------------------------------------------------------------------------------------------ the helpers

def test_new_run_statistics_by_hand(fx, tmp_path):
    acc = {0: 0.3, 10: 0.6, 20: 0.5, 30: 0.4}
    rows = [(t, {"train/response_length": 100 + 5 * (-1) ** t, **({"test/accuracy": acc[t]} if t in acc else {})})
            for t in range(STEPS + 1)]
    fx.write_run(tmp_path, "sw", "a-s0", rows, {})
    s = load_run_store([tmp_path]).sweep("sw")

    def stat(name, metric="test/accuracy"):
        return run_stat(s, "a-s0", metric, name)

    assert stat("peak") == pytest.approx(0.6) and stat("peak_at") == pytest.approx(10 / 30)  # raw test values
    assert stat("drop") == pytest.approx(0.2) and stat("rise") == pytest.approx(0.6 - 0.3)
    assert stat("early") == pytest.approx(0.45) and stat("fade") == pytest.approx(0.45 - 0.4)
    assert stat("jitter", "train/response_length") == pytest.approx(10.0)


def test_relation_and_per_run_measure_across_runs_with_seeds(study):
    kl = study.sweep("kl_clip")  # 2 seeds per arm
    f = relation(kl, "c", "s", kl.arms, ("train/response_diversity", "final"), ("test/accuracy", "final"), +1)
    assert f.effect > 0 and f.seeds == "4 runs"  # no-KL keeps diversity and ends more accurate
    values = {r: 1.0 + 0.1 * i for i, r in enumerate(kl.records)}
    g = per_run(kl, "c", "s", "m", values, +1)
    assert g.verdict == "supports" and g.effect == pytest.approx(1.15)
    one = per_run(kl, "c", "s", "m", {r: v for r, v in values.items() if r.endswith("-s0")}, +1)
    assert one.verdict == "cannot tell" and "one seed" in one.note  # two arms, one seed: no CI


def test_a_claim_in_parts_is_a_conjunction():
    def part(v):
        return Finding("c", "s", "m", 1.0, 0.5, 1.5, "3 vs 3", v)

    assert combined_verdict([part("supports"), part("supports")])[0] == "supports"
    assert combined_verdict([part("supports"), part("cannot tell")])[0] == "cannot tell"
    verdict, note = combined_verdict([part("supports"), part("contradicts"), part("cannot tell")])
    assert verdict == "contradicts" and "(b)" in note
    assert combined_verdict([])[0] == "cannot tell"


# ------------------------------------------------------------------------------------------ the report

def test_the_report_lists_every_claim_with_its_status(study, tmp_path):
    md, page = write_report([SweepSection(study.sweep("kl_clip"))], tmp_path)
    text, html = md.read_text(), page.read_text()
    claims = text[text.index("## Claims of the study"):text.index("## Sweep `kl_clip`")]
    lines = [line for line in claims.splitlines() if line.startswith("| ") and not line.startswith("| id ")]
    assert [line.split(" | ")[0][2:] for line in lines] == [c.id for c in CATALOG]
    for c in CATALOG:
        row = next(line for line in lines if line.startswith(f"| {c.id} |"))
        assert c.title in row and c.id in html
        if c.kind != MEASURED:
            assert c.not_testable[:40] in row
        elif c.spec != "kl_clip":
            assert NO_SWEEP_VERDICT in row and f"`{c.spec}`" in row
    assert sum(NOT_TESTABLE_VERDICT in line for line in lines) == sum(c.kind == "not testable" for c in CATALOG)
    assert f"{len(CATALOG)} claims" in claims
