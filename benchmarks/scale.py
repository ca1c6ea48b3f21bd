"""Throughput of streamed training and of distributed encoding.

    python benchmarks/scale.py [--quick]

- ``partial_fit``: one pass over N rows in chunks of 1,000 (GBRBM, K=256,
  D=192, float32), for several N: its cost should be linear in N.
- ``transform`` through ``dask_ml.wrappers.ParallelPostFit`` on a
  ``dask.distributed.LocalCluster`` of 1 and 2 worker processes (one thread
  each), against a plain in-process ``transform`` of the same rows.

Writes benchmarks/results/scale.json (scale_quick.json).
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import dask.array as da
import numpy as np
from _files import atomic_write  # the module beside this script
from dask.distributed import Client, LocalCluster
from dask_ml.wrappers import ParallelPostFit
from sklearn.exceptions import ConvergenceWarning

from skscore import GBRBMScoreMatching

RESULTS = Path(__file__).parent / "results"


def _data(n_rows, n_features, seed=0):
    return (
        np.random.default_rng(seed)
        .standard_t(4, size=(n_rows, n_features))
        .astype(np.float32)
    )


def bench_partial_fit(sizes, n_features, n_units, log):
    rows = []
    for n_rows in sizes:
        X = _data(n_rows, n_features)
        model = GBRBMScoreMatching(n_units, random_state=0)
        model.partial_fit(X[:1000])  # initialize outside the timing
        start = time.perf_counter()
        for begin in range(0, n_rows, 1000):
            model.partial_fit(X[begin : begin + 1000])
        seconds = time.perf_counter() - start
        rows.append(
            {"n_rows": n_rows, "seconds": seconds, "rows_per_second": n_rows / seconds}
        )
        rate = n_rows / seconds
        log(f"partial_fit  N={n_rows:>7}  {seconds:6.2f} s  {rate:9.0f} rows/s")
    return rows


def bench_transform(n_rows, n_features, n_units, log):
    X = _data(n_rows, n_features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GBRBMScoreMatching(n_units, max_iter=5, random_state=0).fit(X[:5000])
    start = time.perf_counter()
    model.transform(X)
    local = time.perf_counter() - start
    rows = [{"workers": 0, "seconds": local, "rows_per_second": n_rows / local}]
    log(f"transform in process      {local:6.2f} s  {n_rows / local:9.0f} rows/s")
    for n_workers in (1, 2):
        with (
            LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            Client(cluster),
        ):
            chunks = da.from_array(X, chunks=(n_rows // 8, n_features))
            parallel = ParallelPostFit(model)
            parallel.transform(chunks[:1000]).compute()  # ship the model first
            start = time.perf_counter()
            parallel.transform(chunks).compute()
            seconds = time.perf_counter() - start
        rows.append(
            {
                "workers": n_workers,
                "seconds": seconds,
                "rows_per_second": n_rows / seconds,
            }
        )
        rate = n_rows / seconds
        log(
            f"transform {n_workers} worker(s)      {seconds:6.2f} s  {rate:9.0f} rows/s"
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds")
    args = parser.parse_args()
    n_features, n_units = (48, 32) if args.quick else (192, 256)
    sizes = (2_000, 4_000, 8_000) if args.quick else (20_000, 40_000, 80_000)
    n_transform = 20_000 if args.quick else 200_000
    log = print
    results = {
        "mode": "quick" if args.quick else "full",
        "n_features": n_features,
        "n_units": n_units,
        "partial_fit": bench_partial_fit(sizes, n_features, n_units, log),
        "transform": bench_transform(n_transform, n_features, n_units, log),
    }
    output = RESULTS / f"scale{'_quick' if args.quick else ''}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(output, json.dumps(results, indent=2))  # a crash keeps the last
    log(f"written to {output}")


if __name__ == "__main__":
    main()
