"""Every command's numeric options are checked at parsing, naming the flag and the rule."""

import pytest

from microcoder.cli import main


@pytest.mark.parametrize("argv,message", [
    (["data", "filter", "d", "--out", "o", "--preset", "micro", "--low", "2"], "--low: must be between 0 and 1"),
    (["data", "filter", "d", "--out", "o", "--preset", "micro", "--n", "0"], "--n: must be > 0"),
    (["data", "decontam", "a", "b", "--min-overlap", "-0.5"], "--min-overlap: must be between 0 and 1"),
    (["figures", "runs", "--smoothing", "3"], "--smoothing: must be between 0 and 1"),
    (["figures", "runs", "--jobs", "0"], "--jobs: must be > 0"),
    (["sweep", "run", "s.yaml", "--max-concurrent", "zero"], "--max-concurrent: must be an integer > 0"),
    (["sweep", "run", "s.yaml", "--progress-every", "nan"], "--progress-every: must be finite"),
    (["judge", "p.jsonl", "s.jsonl", "--time-limit", "0"], "--time-limit: must be > 0"),
])
def test_a_bad_number_fails_at_parsing_naming_the_flag_and_the_rule(argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2 and message in capsys.readouterr().err
