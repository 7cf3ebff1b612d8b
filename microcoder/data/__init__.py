"""Datasets: the generated micro suite (`micro/`, the embedded default) and the study's real datasets.

    microcoder data prepare --source livecodebench --input lcb/ --out data/lcb-v6 --split test --release v6
    microcoder data stats data/lcb-v6
    microcoder data decontam data/deepcoder data/lcb-v6 --write-clean data/deepcoder-clean

Modules: `record` (one problem record for every source), `sources/` (one loader per public schema: LiveCodeBench,
DeepCoder, Open-R1, TACO/APPS, our MicroCoder JSONL), `readers` (streaming parquet/JSONL/JSON rows), `prompts`
(prompt templates), `prepare` (the prepared layout both backends read, contract 5), `resolve` (a run config's
data.train/data.test → problems), `stats`, `decontam`, `data_command` (the CLI). Importing this package imports
nothing heavy.
"""
