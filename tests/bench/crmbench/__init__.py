"""The benchmark harness behind `tests/bench/run.py` and `tests/bench/make_dataset.py`.

Not collected by pytest (pyproject's norecursedirs): benchmarks measure, they do not assert.
`tests/unit/test_bench_smoke.py` runs the runner at a tiny scale so it cannot rot.
"""
