"""Cost of one objective + gradient evaluation against its references.

    python benchmarks/gradient.py [--quick]

For each model (GBRBM, mPoT) x objective (sm, dsm, ae) x dtype, on the same
arrays and in the same run, it times:

- the objective and its closed-form gradient (``skscore.energies``);
- the GEMM floor: the five matrix products every objective needs, alone.
  With ``U`` hidden units (K for the GBRBM, K + M for the mPoT, whose two
  filter banks are stacked) they are ``X B^T`` (N x D x U), ``rho'(Z) B``,
  ``R B^T``, ``rho'(Z)^T R`` and ``Delta^T X``;
- PyTorch automatic differentiation of the same objective written from the
  free energy (the Hessian diagonal for SM exactly, one backward pass per
  input dimension), when torch is installed; it is timed on a slice of the
  rows and scaled to N (its cost is linear in N);
- the peak extra memory of the evaluation (tracemalloc);
- a whole ``fit`` of the estimator (15 L-BFGS iterations from its own
  initialization), in seconds per objective evaluation against the same
  floor, and the evaluations L-BFGS made per iteration.

Full mode also fits GBRBM and mPoT on 200,000 x 192 float32 rows with
K = 1024 for a few L-BFGS iterations and reports seconds per iteration and
peak RSS. Results go to benchmarks/results/gradient.json (gradient_quick.json).
"""

import argparse
import json
import platform
import resource
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from _files import atomic_write  # the modules beside this script
from _timing import best_time, gemm_floor
from sklearn.exceptions import ConvergenceWarning

from skscore import GBRBMScoreMatching, MPoTAutoencoder
from skscore.energies import gbrbm, mpot

RESULTS = Path(__file__).parent / "results"
SIZES = {
    "full": {
        "N": 20_000,
        "D": 192,
        "K": 256,
        "M": 128,
        "repeats": 5,
        "torch_rows": 500,
    },
    "quick": {"N": 2_000, "D": 48, "K": 32, "M": 16, "repeats": 3, "torch_rows": 200},
}


def _params(model, size, dtype, rng):
    D, K, M = size["D"], size["K"], size["M"]
    if model == "gbrbm":
        params = {
            "components": 0.1 * rng.normal(size=(K, D)),
            "intercept_hidden": 0.1 * rng.normal(size=K),
            "intercept_visible": 0.1 * rng.normal(size=D),
            "log_visible_std": np.log(0.5),
        }
    else:
        C = rng.normal(size=(K, D))
        params = {
            "covariance_components": C / np.linalg.norm(C, axis=1, keepdims=True),
            "components": 0.1 * rng.normal(size=(M, D)),
            "intercept_hidden": 0.1 * rng.normal(size=M),
            "intercept_visible": 0.1 * rng.normal(size=D),
            "log_visible_std": 0.0,
            "gamma": 1.0,
        }
    return {name: np.asarray(value, dtype=dtype) for name, value in params.items()}


def _peak_memory(function):
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _torch_objective(model, objective, X, params, noise, noise_std):
    """The objective from the free energy alone, differentiated by torch."""
    import torch

    t = {k: torch.tensor(np.asarray(v, dtype=X.dtype)) for k, v in params.items()}
    trainable = [k for k in t if k != "gamma"]
    for k in trainable:
        t[k].requires_grad_(True)

    def free_energy(v, sigma):
        u = v / sigma
        energy = 0.5 * ((u - t["intercept_visible"]) ** 2).sum(1)
        if model == "gbrbm":
            a = u @ t["components"].T + t["intercept_hidden"]
            return energy - torch.nn.functional.softplus(a).sum(1)
        phi = u @ t["covariance_components"].T
        a = u @ t["components"].T + t["intercept_hidden"]
        return (
            energy
            + t["gamma"] * torch.log1p(0.5 * phi**2).sum(1)
            - torch.nn.functional.softplus(a).sum(1)
        )

    def evaluate():
        sigma = torch.exp(t["log_visible_std"])
        if objective == "dsm":
            v = torch.tensor(X + noise[0]).requires_grad_(True)
        else:
            v = torch.tensor(X).requires_grad_(True)
        (score,) = torch.autograd.grad(
            free_energy(v, sigma).sum(), v, create_graph=True
        )
        if objective == "ae":  # reconstruction v - sigma^2 dF/dv, error in X units
            loss = (0.5 * (sigma**2 * score) ** 2).sum(1).mean()
        elif objective == "dsm":
            loss = (
                (0.5 * (score - torch.tensor(noise[0]) / noise_std**2) ** 2)
                .sum(1)
                .mean()
            )
        else:
            diagonal = torch.stack(
                [
                    torch.autograd.grad(score[:, i].sum(), v, create_graph=True)[0][
                        :, i
                    ]
                    for i in range(v.shape[1])
                ],
                dim=1,
            )
            loss = (0.5 * score**2 - diagonal).sum(1).mean()
        grads = torch.autograd.grad(loss, [t[k] for k in trainable])
        return float(loss), {
            k: g.numpy() for k, g in zip(trainable, grads, strict=True)
        }

    return evaluate


def _objective(module, objective, X, params, noise, noise_std):
    if objective == "dsm":
        return lambda: module.dsm(X, params, noise, noise_std)
    return lambda: getattr(module, objective)(X, params)


def _fit_per_evaluation(model, module, objective, X, size, noise_std, device=None):
    """Seconds of a whole ``fit`` per objective evaluation, evaluations, iterations.

    The fit's own work beyond the objective (optimizer, parameter packing,
    thread pools, checks of the data) is what separates it from the floor.
    ``X`` is a NumPy array, or a torch tensor on ``device`` (the caller turns
    on scikit-learn's ``array_api_dispatch``). 15 L-BFGS iterations.
    """
    if model == "gbrbm":
        estimator = GBRBMScoreMatching(size["K"])
    else:
        estimator = MPoTAutoencoder(size["K"], size["M"])
    # every row fitted, every iteration run: the fit's own work per
    # evaluation, as before the stopping rule and its held-out rows
    estimator.set_params(
        objective=objective,
        noise=noise_std,
        max_iter=15,
        tol=0,
        validation_fraction=None,
        random_state=0,
    )
    original, calls = getattr(module.MODEL, objective), []

    def counted(*args):
        calls.append(None)
        return original(*args)

    setattr(module.MODEL, objective, counted)  # shadows the method on the instance
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seconds = best_time(lambda: estimator.fit(X), 1, device)
    finally:
        delattr(module.MODEL, objective)
    return seconds / len(calls), len(calls), estimator.n_iter_


def bench_objectives(size, log):
    try:
        import torch

        torch.set_num_threads(2)
    except ImportError:
        torch = None
        log("torch is not installed: no autodiff reference (pip install '.[bench]')")
    rng = np.random.default_rng(0)
    rows = []
    for model, module in (("gbrbm", gbrbm), ("mpot", mpot)):
        n_units = size["K"] + (size["M"] if model == "mpot" else 0)
        for dtype in (np.float64, np.float32):
            X = rng.normal(size=(size["N"], size["D"])).astype(dtype)
            params = _params(model, size, dtype, rng)
            noise_std = 0.5
            noise = (noise_std * rng.normal(size=(1, *X.shape))).astype(dtype)
            floor = gemm_floor(X, n_units, size["repeats"])
            for objective in ("sm", "dsm", "ae"):
                evaluate = _objective(module, objective, X, params, noise, noise_std)
                evaluate()  # warm up
                seconds = best_time(evaluate, size["repeats"])
                row = {
                    "model": model,
                    "objective": objective,
                    "dtype": np.dtype(dtype).name,
                    "seconds": seconds,
                    "gemm_floor_seconds": floor,
                    "ratio_to_floor": seconds / floor,
                    "peak_extra_mib": _peak_memory(evaluate) / 2**20,
                }
                fit_seconds, n_evaluations, n_iter = _fit_per_evaluation(
                    model, module, objective, X, size, noise_std
                )
                row["fit_seconds_per_evaluation"] = fit_seconds
                row["fit_ratio_to_floor"] = fit_seconds / floor
                row["evaluations_per_iteration"] = n_evaluations / n_iter
                if torch is not None:
                    n = size["torch_rows"]
                    sub_noise = noise[:, :n]
                    reference = _torch_objective(
                        model, objective, X[:n], params, sub_noise, noise_std
                    )
                    ours = _objective(
                        module, objective, X[:n], params, sub_noise, noise_std
                    )
                    torch_loss, _ = reference()  # also warms torch up
                    np.testing.assert_allclose(torch_loss, ours()[0], rtol=1e-3)
                    torch_seconds = best_time(reference, 3) * size["N"] / n
                    row["torch_seconds"] = torch_seconds
                    row["speedup_vs_torch"] = torch_seconds / seconds
                rows.append(row)
                log(_line(row))
    return rows


def _line(row):
    """A row of the printed table."""
    return (
        f"{row['model']:6}{row['objective']:5}{row['dtype']:9}"
        f"{row['seconds'] * 1e3:9.1f} ms"
        f"  floor {row['gemm_floor_seconds'] * 1e3:7.1f} ms"
        f"  x{row['ratio_to_floor']:.2f}"
        f"  peak {row['peak_extra_mib']:7.1f} MiB"
        f"  fit x{row['fit_ratio_to_floor']:.2f}"
        f" ({row['evaluations_per_iteration']:.2f} evaluations/iteration)"
    ) + (f"  torch x{row['speedup_vs_torch']:.0f}" if "speedup_vs_torch" in row else "")


def bench_fit_scale(log, n_rows=200_000, n_features=192, n_units=1024, n_iter=3):
    """Seconds per L-BFGS iteration and peak memory of CIFAR-scale fits.

    Run first, so that the process's peak RSS is that of the fits (with the
    data), not of the autodiff reference.
    """
    X = np.random.default_rng(0).normal(size=(n_rows, n_features)).astype(np.float32)
    rows = []
    for name, model in (
        (
            "gbrbm",
            GBRBMScoreMatching(
                n_components=n_units,
                max_iter=n_iter,
                tol=0,
                validation_fraction=None,
                random_state=0,
            ),
        ),
        (
            "mpot",
            MPoTAutoencoder(
                n_units // 2,
                n_units // 2,
                max_iter=n_iter,
                tol=0,
                validation_fraction=None,
                random_state=0,
            ),
        ),
    ):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            extra = _peak_memory(lambda model=model: model.fit(X)) / 2**20
        seconds = (time.perf_counter() - start) / model.n_iter_
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
        rows.append(
            {
                "model": name,
                "seconds_per_iteration": seconds,
                "peak_extra_mib": extra,
                "peak_rss_mib": peak,
                "data_mib": X.nbytes / 2**20,
            }
        )
        log(
            f"fit {name}: {seconds:.1f} s per L-BFGS iteration, peak extra memory "
            f"{extra:.0f} MiB (data {rows[-1]['data_mib']:.0f} MiB), "
            f"peak RSS {peak:.0f} MiB"
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds")
    parser.add_argument(
        "--output", help="results JSON (default under benchmarks/results)"
    )
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    size = SIZES[mode]
    log = print
    log(f"{mode}: N={size['N']} D={size['D']} K={size['K']} M={size['M']}")
    results = {
        "mode": mode,
        "sizes": size,
        "machine": {"processor": platform.processor(), "numpy": np.__version__},
    }
    if mode == "full":
        results["fit_scale"] = bench_fit_scale(log)
    results["objectives"] = bench_objectives(size, log)
    output = Path(
        args.output or RESULTS / f"gradient{'_quick' if args.quick else ''}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(output, json.dumps(results, indent=2))  # a crash keeps the last
    log(f"written to {output}")


if __name__ == "__main__":
    main()
