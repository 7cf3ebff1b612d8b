"""Reading W&B offline runs back: what wandb 0.31 wrote (ids, names, config, every history row) comes back
exactly, across 32 KiB blocks, from torn or corrupted files, and merged across restarts of one run id."""

import math
import shutil

import pytest

wandb = pytest.importorskip("wandb")

from microcoder.wandb_offline import (  # noqa: E402
    BLOCK_SIZE,
    WandbFormatError,
    offline_run_files,
    read_offline_run,
)

STEPS = 400
CONFIG = {"actor": {"lr": 5e-5, "clip_ratio_high": 0.28}, "trainer": {"seed": 3}, "name": "x"}


def expected_row(step):
    return {
        "train/accuracy": step / STEPS,
        "train/kl": math.nan if step % 7 == 0 else step * 0.5,
        "time/step_s": math.inf if step == 3 else 1.25,
        "test/accuracy/atcoder/easy": -math.inf if step == 4 else 0.5,
    }


def same_value(a, b):
    return (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)) or a == b


def quiet_settings():
    return wandb.Settings(console="off", x_disable_stats=True, x_disable_meta=True, x_disable_machine_info=True,
                          save_code=False, disable_git=True, x_save_requirements=False, silent=True,
                          reinit="create_new")


@pytest.fixture(scope="module")
def offline_run(wandb_env, tmp_path_factory, offline_run_when):
    """One offline run written by wandb itself, large enough to span several 32 KiB blocks."""
    root = tmp_path_factory.mktemp("offline")
    run = wandb.init(project="proj", group="grp", job_type="arm", name="nm", id="readtest1", mode="offline",
                     dir=str(root), config=CONFIG, tags=["a", "b"], settings=quiet_settings())
    for step in range(STEPS):
        run.log(expected_row(step), step=step)
    run.config.update({"late": 1})
    run.finish()
    offline_run_when(root, lambda r: r.get("exit_code") is not None)  # wandb-core may still be writing
    return root


def test_the_run_comes_back_with_its_names_config_and_every_history_row(offline_run):
    (path,) = offline_run_files(offline_run)
    assert path.stat().st_size > 2 * BLOCK_SIZE  # records cross block boundaries
    run = read_offline_run(offline_run)
    assert (run["id"], run["project"], run["group"], run["job_type"], run["name"]) == (
        "readtest1", "proj", "grp", "arm", "nm")
    assert run["tags"] == ["a", "b"]
    assert run["exit_code"] == 0
    assert run["skipped"] == 0
    assert run["segments"] == 1
    assert run["config"] == {**CONFIG, "late": 1}
    assert [r["_step"] for r in run["history"]] == list(range(STEPS))
    for row in run["history"]:
        for key, value in expected_row(row["_step"]).items():
            assert same_value(row[key], value), (row["_step"], key, row[key], value)
    assert run["summary"]["train/accuracy"] == (STEPS - 1) / STEPS


def test_every_form_of_path_names_the_same_run(offline_run):
    (file,) = offline_run_files(offline_run)
    for path in (file, file.parent, offline_run / "wandb", str(offline_run)):
        run = read_offline_run(path)
        assert run["id"] == "readtest1" and [r["_step"] for r in run["history"]] == list(range(STEPS))


def test_a_torn_file_reads_up_to_the_tear(offline_run, tmp_path):
    (file,) = offline_run_files(offline_run)
    data = file.read_bytes()
    full = read_offline_run(file)["history"]
    for cut in (len(data) - 3, BLOCK_SIZE + 5, BLOCK_SIZE - 2, len(data) // 2 + 1, 200):
        torn = tmp_path / f"run-{cut}.wandb"
        torn.write_bytes(data[:cut])
        history = read_offline_run(torn)["history"]
        assert [r["_step"] for r in history] == [r["_step"] for r in full[: len(history)]]
        assert cut < 1000 or len(history) > 0


def test_a_corrupted_chunk_is_skipped_and_the_rest_is_read(offline_run, tmp_path):
    (file,) = offline_run_files(offline_run)
    data = bytearray(file.read_bytes())
    data[BLOCK_SIZE // 2] ^= 0xFF  # one flipped byte in the first block
    bad = tmp_path / "run-bad.wandb"
    bad.write_bytes(bytes(data))
    run = read_offline_run(bad)
    assert run["skipped"] >= 1
    steps = [r["_step"] for r in run["history"]]
    assert steps == sorted(steps) and steps[-1] == STEPS - 1 and len(steps) < STEPS


def test_not_a_wandb_file_or_nothing_there_fails_clearly(tmp_path):
    other = tmp_path / "run-x.wandb"
    other.write_bytes(b"hello world")
    with pytest.raises(WandbFormatError, match="not a W&B offline run file"):
        read_offline_run(other)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no W&B offline run"):
        read_offline_run(tmp_path / "empty")


def test_a_restarted_run_is_merged_and_its_rerun_steps_replace_the_old_ones(offline_run, tmp_path, offline_run_when):
    root = tmp_path / "restart"
    shutil.copytree(offline_run, root)
    run = wandb.init(project="proj", group="grp", job_type="arm", name="nm", id="readtest1", resume="allow",
                     mode="offline", dir=str(root), config=CONFIG, settings=quiet_settings())
    for step in range(300, 310):  # restarted from a checkpoint at step 299
        run.log({"train/accuracy": -1.0}, step=step)
    run.finish()
    assert len(offline_run_files(root)) == 2
    merged = offline_run_when(root, lambda r: len(r["history"]) == 310)
    assert merged["segments"] == 2 and merged["id"] == "readtest1"
    assert [r["_step"] for r in merged["history"]] == list(range(310))
    assert [r["train/accuracy"] for r in merged["history"][300:]] == [-1.0] * 10
    assert merged["history"][299]["train/accuracy"] == 299 / STEPS


def test_a_segment_killed_before_its_run_record_is_skipped_not_fatal(offline_run, tmp_path):
    import shutil

    (file,) = offline_run_files(offline_run)
    good = tmp_path / "wandb" / "offline-run-20260101_000000-readtest1"
    good.mkdir(parents=True)
    shutil.copy(file, good / file.name)
    dead = tmp_path / "wandb" / "offline-run-20260101_000100-readtest1"
    dead.mkdir()
    (dead / file.name).write_bytes(file.read_bytes()[:7])  # only the header: SIGKILL before the first record
    run = read_offline_run(tmp_path)
    assert run["id"] == "readtest1" and [r["_step"] for r in run["history"]] == list(range(STEPS))
    assert run["skipped"] >= 1
