"""The array API path on a PyTorch device, against its own floor and NumPy.

    SCIPY_ARRAY_API=1 python benchmarks/device.py [--device cuda] [--quick]

For each model (GBRBM, mPoT) x objective (sm, dsm, ae) x dtype, in the same
run, it times on torch tensors on ``--device`` (default: cpu):

- the objective and its closed-form gradient (``skscore.energies``);
- the GEMM floor on the device: the five matrix products every objective
  needs (see ``benchmarks/gradient.py``), as torch products;
- a whole ``fit`` (15 L-BFGS iterations) under ``array_api_dispatch``, in
  seconds per objective evaluation: the host optimizer and the parameter and
  gradient transfers are what separate it from the objective;
- the NumPy path's objective on the CPU, for the speed-up.

Then ``ConvolutionalFeaturizer.transform`` (soft threshold, stride 1, K=400
filters) of CIFAR-sized random images on the device against the NumPy path.
Results go to benchmarks/results/device_<device>.json (the device named).
"""

import argparse
import json
import os
import platform
import time
import warnings
from pathlib import Path

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402
from gradient import _objective, _params  # noqa: E402

from skscore import (  # noqa: E402
    ConvolutionalFeaturizer,
    GBRBMScoreMatching,
    MPoTAutoencoder,
)
from skscore._io import atomic_writer  # noqa: E402
from skscore.energies import gbrbm, mpot  # noqa: E402

RESULTS = Path(__file__).parent / "results"
SIZES = {
    "full": {"N": 20_000, "D": 192, "K": 256, "M": 128, "repeats": 5, "images": 1000},
    "quick": {"N": 2_000, "D": 48, "K": 32, "M": 16, "repeats": 3, "images": 50},
}


def _timer(device):
    def best_time(function, repeats):
        times = []
        for _ in range(repeats):
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            start = time.perf_counter()
            function()
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            times.append(time.perf_counter() - start)
        return min(times)

    return best_time


def _gemm_floor(X, n_units, repeats, best_time):
    B = torch.randn(n_units, X.shape[1], dtype=X.dtype, device=X.device)

    def products():
        Z = X @ B.T
        R = Z @ B
        delta = R @ B.T
        Z.T @ R
        delta.T @ X

    products()
    return best_time(products, repeats)


def bench_objectives(size, device, log):
    best_time = _timer(device)
    rng = np.random.default_rng(0)
    rows = []
    for model, module in (("gbrbm", gbrbm), ("mpot", mpot)):
        n_units = size["K"] + (size["M"] if model == "mpot" else 0)
        for dtype in (np.float64, np.float32):
            X = rng.normal(size=(size["N"], size["D"])).astype(dtype)
            params = _params(model, size, dtype, rng)
            noise = (0.5 * rng.normal(size=(1, *X.shape))).astype(dtype)
            X_d, noise_d = (torch.asarray(a, device=device) for a in (X, noise))
            params_d = {k: torch.asarray(v, device=device) for k, v in params.items()}
            floor = _gemm_floor(X_d, n_units, size["repeats"], best_time)
            for objective in ("sm", "dsm", "ae"):
                ours = _objective(module, objective, X_d, params_d, noise_d, 0.5)
                ours()  # warm up
                seconds = best_time(ours, size["repeats"])
                numpy_path = _objective(module, objective, X, params, noise, 0.5)
                numpy_seconds = best_time(numpy_path, size["repeats"])
                estimator = (
                    GBRBMScoreMatching(size["K"])
                    if model == "gbrbm"
                    else MPoTAutoencoder(size["K"], size["M"])
                ).set_params(objective=objective, noise=0.5, max_iter=15)
                calls = []
                original = getattr(module.MODEL, objective)
                setattr(
                    module.MODEL,
                    objective,
                    lambda *a, f=original, calls=calls: calls.append(0) or f(*a),
                )
                try:
                    with (
                        warnings.catch_warnings(),
                        sklearn.config_context(array_api_dispatch=True),
                    ):
                        warnings.simplefilter("ignore")
                        fit_seconds = best_time(lambda e=estimator, X=X_d: e.fit(X), 1)
                finally:
                    delattr(module.MODEL, objective)
                row = {
                    "model": model,
                    "objective": objective,
                    "dtype": np.dtype(dtype).name,
                    "seconds": seconds,
                    "gemm_floor_seconds": floor,
                    "ratio_to_floor": seconds / floor,
                    "fit_seconds_per_evaluation": fit_seconds / len(calls),
                    "fit_ratio_to_floor": fit_seconds / len(calls) / floor,
                    "numpy_cpu_seconds": numpy_seconds,
                    "speedup_vs_numpy_cpu": numpy_seconds / seconds,
                }
                rows.append(row)
                log(
                    f"{model:6}{objective:5}{row['dtype']:9}{seconds * 1e3:9.2f} ms"
                    f"  floor {floor * 1e3:8.2f} ms  x{row['ratio_to_floor']:.2f}"
                    f"  fit x{row['fit_ratio_to_floor']:.2f}"
                    f"  NumPy on the CPU {numpy_seconds * 1e3:8.1f} ms"
                    f" (x{row['speedup_vs_numpy_cpu']:.1f})"
                )
    return rows


def bench_encoding(size, device, log):
    best_time = _timer(device)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(size["images"], 3072)).astype(np.float32)
    K = 400 if size is SIZES["full"] else 40
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(K, max_iter=5, random_state=0),
        n_patches=10_000,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        featurizer.fit(images)
    images_d = torch.asarray(images, device=device)
    numpy_seconds = best_time(lambda: featurizer.transform(images), 2)
    with sklearn.config_context(array_api_dispatch=True):
        featurizer.transform(images_d)  # warm up
        seconds = best_time(lambda: featurizer.transform(images_d), 2)
    row = {
        "images": size["images"],
        "filters": K,
        "encoding": "soft_threshold",
        "seconds": seconds,
        "numpy_cpu_seconds": numpy_seconds,
        "seconds_per_10000_images": seconds * 10_000 / size["images"],
        "speedup_vs_numpy_cpu": numpy_seconds / seconds,
    }
    log(
        f"encoding {size['images']} images, K={K}, stride 1: {seconds:.2f} s on "
        f"{device} against {numpy_seconds:.2f} s for NumPy on the CPU "
        f"({row['seconds_per_10000_images']:.1f} s per 10,000 images)"
    )
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="a torch device, e.g. cuda")
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds")
    parser.add_argument("--output", help="results JSON (default under results/)")
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    size, device = SIZES[mode], torch.device(args.device)
    name = (
        torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else platform.processor() or platform.machine()
    )
    log = print
    log(f"{mode} on {device} ({name}): N={size['N']} D={size['D']} K={size['K']}")
    results = {
        "mode": mode,
        "sizes": size,
        "device": {
            "torch": str(device),
            "name": name,
            "torch_version": torch.__version__,
        },
        "objectives": bench_objectives(size, device, log),
        "encoding": bench_encoding(size, device, log),
    }
    suffix = f"_{device.type}" + ("_quick" if args.quick else "")
    output = Path(args.output or RESULTS / f"device{suffix}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(output) as f:  # a crash leaves the previous results
        f.write(json.dumps(results, indent=2).encode())
    log(f"written to {output}")


if __name__ == "__main__":
    main()
