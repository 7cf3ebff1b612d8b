# MicroCoder: `make demo` and `make test` do all set-up themselves on a fresh machine.
SHELL := /bin/bash
VENV  ?= .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.setup-done
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)

.PHONY: setup demo reproduce test test-fast bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v bwrap >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo ">> installing bubblewrap (the code sandbox's jail)"; \
	    ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq bubblewrap) >/dev/null 2>&1 || \
	    echo "!! WARNING: could not install bubblewrap; the sandbox falls back to weaker isolation (see microcoder/evaluator/sandbox.py)"; \
	  else echo "!! WARNING: no apt-get and no bwrap; the sandbox falls back to weaker isolation"; fi; }
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: setup
	@echo ">> 1/4 judging the bundled sample with both evaluators"
	$(VENV)/bin/microcoder judge microcoder/data/samples/problems.jsonl microcoder/data/samples/solutions.jsonl --evaluator both
	@echo ">> 2/4 the demo sweep on Ray Tune (micro policy, CPU; the first run builds and warm-starts the model)"
	$(VENV)/bin/microcoder sweep run sweeps/specs/demo.yaml --out runs
	@echo ">> 3/4 temperature probe of the T=0.6 run's first and last checkpoints (figure 7_2, left panels)"
	@[ -s runs/demo/t0.6-s0/probes/temperature.jsonl ] || $(VENV)/bin/microcoder probe temperature runs/demo/t0.6-s0 \
	  --steps 0,12 --prompts 24 --n 4 --temperatures 0.6,1.0,1.4,1.8
	@echo ">> 4/4 figures and report"
	$(VENV)/bin/microcoder figures runs/demo --out figures/demo
	@echo ">> done: figures/demo/report.md (and report.html); runs in runs/demo"

# Every study spec at micro scale, its probes, every figure and one report (~2 h on 2 cores; the budget is
# printed first). Resumable: run it again to continue. A quick look: make reproduce REPRODUCE_ARGS="--only kl_clip
# --steps 4 --seeds 1".
REPRODUCE_ARGS ?=
reproduce: setup
	$(VENV)/bin/microcoder sweep reproduce $(REPRODUCE_ARGS)

test: setup
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not slow"

bench: setup
	$(PY) bench/evaluator.py
	$(PY) bench/local_backend.py
	$(PY) bench/analysis.py
	$(PY) bench/sweep_overhead.py
	$(PY) bench/verl_reward.py
	$(PY) bench/data_prepare.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
