"""Shared fixtures of the tracking tests."""

import pytest


@pytest.fixture(scope="module")
def wandb_env(tmp_path_factory):
    """W&B offline, with its caches and config under tmp, no credentials, nothing inherited from the shell."""
    home = tmp_path_factory.mktemp("wandb_home")
    with pytest.MonkeyPatch.context() as mp:
        for var in ("WANDB_MODE", "WANDB_API_KEY", "WANDB_DIR", "WANDB_PROJECT", "WANDB_ENTITY", "WANDB_RUN_ID",
                    "WANDB_RESUME", "WANDB_RUN_GROUP", "WANDB_JOB_TYPE", "WANDB_NAME", "WANDB_TAGS"):
            mp.delenv(var, raising=False)
        for var, sub in (("WANDB_CACHE_DIR", "cache"), ("WANDB_CONFIG_DIR", "config"), ("WANDB_DATA_DIR", "data"),
                         ("WANDB_ARTIFACT_DIR", "artifacts")):
            mp.setenv(var, str(home / sub))
        mp.setenv("WANDB_SILENT", "true")
        yield home
