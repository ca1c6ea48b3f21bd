"""The array API path on a PyTorch device, against its own floor and NumPy.

    SCIPY_ARRAY_API=1 python benchmarks/device.py [--device cuda] [--quick]

For each model (GBRBM, mPoT) x objective (sm, dsm, ae) x dtype, in the same
run, it times on torch tensors on ``--device`` (default: cpu):

- the objective and its closed-form gradient (``skscore.energies``);
- the GEMM floor on the device: the five matrix products every objective
  needs (see ``benchmarks/_timing.py``), as torch products;
- a whole ``fit`` (15 L-BFGS iterations, as ``benchmarks/gradient.py``
  times it) under ``array_api_dispatch``, in seconds per objective
  evaluation: the host optimizer and the parameter and gradient transfers
  are what separate it from the objective;
- the NumPy path's objective on the CPU, for the speed-up.

Then ``ConvolutionalFeaturizer.transform`` (soft threshold, stride 1, K=400
filters) of CIFAR-sized random images on the device against the NumPy path.
With ``--coates-row``, a whole Coates row's learning and encoding on the
device: a GBRBM with K=1,600 units fitted by 200 L-BFGS iterations on
100,000 ZCA-whitened 6x6 patches of 50,000 images, then all 60,000 images
encoded at stride 1 (soft threshold, 12,800 features), on CIFAR-shaped
synthetic images (random 8x8 colour images upsampled 4x, plus noise: the
real data need not be on the device's machine); ``--coates-row-cpu`` runs the
same row with NumPy on the CPU in the same run. Results go to
benchmarks/results/device_<device>.json (the device named), rewritten after
every stage.
"""

import argparse
import json
import os
import platform
import warnings
from pathlib import Path

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402
from _files import atomic_write  # noqa: E402
from _timing import best_time, gemm_floor  # noqa: E402
from gradient import _fit_per_evaluation, _objective, _params  # noqa: E402
from sklearn.base import clone  # noqa: E402

from skscore import (  # noqa: E402
    ConvolutionalFeaturizer,
    GBRBMScoreMatching,
)
from skscore.energies import gbrbm, mpot  # noqa: E402

RESULTS = Path(__file__).parent / "results"
SIZES = {
    "full": {"N": 20_000, "D": 192, "K": 256, "M": 128, "repeats": 5, "images": 1000},
    "quick": {"N": 2_000, "D": 48, "K": 32, "M": 16, "repeats": 3, "images": 50},
}
#: the Coates row: images (of which the first are for learning), units,
#: patches and L-BFGS iterations
ROW_SIZES = {
    "full": {
        "images": 60_000,
        "train": 50_000,
        "K": 1600,
        "patches": 100_000,
        "iterations": 200,
    },
    "quick": {"images": 60, "train": 50, "K": 16, "patches": 2_000, "iterations": 5},
}


def bench_objectives(size, device, log):
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
            floor = gemm_floor(X_d, n_units, size["repeats"])
            for objective in ("sm", "dsm", "ae"):
                ours = _objective(module, objective, X_d, params_d, noise_d, 0.5)
                ours()  # warm up
                seconds = best_time(ours, size["repeats"], device)
                numpy_path = _objective(module, objective, X, params, noise, 0.5)
                numpy_seconds = best_time(numpy_path, size["repeats"])
                with sklearn.config_context(array_api_dispatch=True):
                    fit_seconds, _, _ = _fit_per_evaluation(
                        model, module, objective, X_d, size, 0.5, device
                    )
                row = {
                    "model": model,
                    "objective": objective,
                    "dtype": np.dtype(dtype).name,
                    "seconds": seconds,
                    "gemm_floor_seconds": floor,
                    "ratio_to_floor": seconds / floor,
                    "fit_seconds_per_evaluation": fit_seconds,
                    "fit_ratio_to_floor": fit_seconds / floor,
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
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(size["images"], 3072)).astype(np.float32)
    K = 400 if size is SIZES["full"] else 40
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(K, max_iter=5, random_state=0),
        n_patches=10_000,
        random_state=0,
    )
    # the same model, fitted once on the host and once on the device
    on_device = clone(featurizer)
    images_d = torch.asarray(images, device=device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        featurizer.fit(images)
        with sklearn.config_context(array_api_dispatch=True):
            on_device.fit(images_d)
    numpy_seconds = best_time(lambda: featurizer.transform(images), 2)
    with sklearn.config_context(array_api_dispatch=True):
        on_device.transform(images_d)  # warm up
        seconds = best_time(lambda: on_device.transform(images_d), 2, device)
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


def _images(n_images, rng):
    """CIFAR-shaped uint8 images with spatial correlations: 8x8 upsampled 4x."""
    small = rng.integers(0, 256, size=(n_images, 3, 8, 8)).astype(np.float32)
    images = small.repeat(4, axis=2).repeat(4, axis=3)
    images += 20 * rng.standard_normal(images.shape, dtype=np.float32)
    return np.clip(images, 0, 255).astype(np.uint8).reshape(n_images, -1)


def bench_coates_row(size, device, log):
    """Learning and encoding of a Coates row on ``device`` (None: NumPy)."""
    images = _images(size["images"], np.random.default_rng(0))
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(
            size["K"],
            max_iter=size["iterations"],
            tol=0.0,
            validation_fraction=None,
            random_state=0,
        ),
        encoding="soft_threshold",
        threshold=0.25,
        n_patches=size["patches"],
        random_state=0,
    )
    on_device = device is not None
    if on_device:
        images = torch.asarray(images, device=device)
    features = []
    with (
        warnings.catch_warnings(),
        sklearn.config_context(array_api_dispatch=on_device),
    ):
        warnings.simplefilter("ignore")
        learning = best_time(lambda: featurizer.fit(images[: size["train"]]), 1, device)
        encoding = best_time(
            lambda: features.append(featurizer.transform(images)), 1, device
        )
    n_iter = featurizer.estimator_.n_iter_
    row = {
        "where": str(device) if on_device else "numpy on the cpu",
        "learning_seconds": learning,
        "lbfgs_iterations": n_iter,
        "seconds_per_iteration": learning / n_iter,
        "encoding_seconds": encoding,
        "images": size["images"],
        "features": int(features[0].shape[1]),
        "total_seconds": learning + encoding,
    }
    log(
        f"Coates row on {row['where']}: learning {learning:.1f} s "
        f"({n_iter} L-BFGS iterations), encoding {size['images']} images "
        f"{encoding:.1f} s, {row['features']} features"
    )
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="a torch device, e.g. cuda")
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds")
    parser.add_argument("--output", help="results JSON (default under results/)")
    parser.add_argument(
        "--coates-row", action="store_true", help="a whole Coates row on the device"
    )
    parser.add_argument(
        "--coates-row-cpu",
        action="store_true",
        help="the same row with NumPy on the CPU, for comparison",
    )
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
    suffix = f"_{device.type}" + ("_quick" if args.quick else "")
    output = Path(args.output or RESULTS / f"device{suffix}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    results = {
        "mode": mode,
        "sizes": size,
        "device": {
            "torch": str(device),
            "name": name,
            "torch_version": torch.__version__,
            "cpu_threads": torch.get_num_threads(),
        },
    }
    stages = {
        "objectives": lambda: bench_objectives(size, device, log),
        "encoding": lambda: bench_encoding(size, device, log),
    }
    if args.coates_row:
        stages["coates_row"] = lambda: bench_coates_row(ROW_SIZES[mode], device, log)
    if args.coates_row_cpu:
        stages["coates_row_cpu"] = lambda: bench_coates_row(ROW_SIZES[mode], None, log)
    for stage, run in stages.items():
        results[stage] = run()
        # a crash leaves the stages done so far
        atomic_write(output, json.dumps(results, indent=2))
    log(f"written to {output}")


if __name__ == "__main__":
    main()
