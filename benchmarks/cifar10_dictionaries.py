"""CIFAR-10 validation sweep: which dictionaries beat the controls, and why.

    python benchmarks/cifar10_dictionaries.py [--data-home DIR] [--quick]
        [--dictionaries NAME ...] [--redo] [--output FILE] [--figure FILE]

Every dictionary is learned on the whitened patches of the first training
images and encoded by the same soft threshold (0.25, two signs, quadrant
sums); an L2-SVM is fitted on those images' features and scored on the
next ones (validation only: the test set is never read). Beside each
accuracy: how the filters' energy spreads over the whitened spectrum, their
coherence, their dead or saturated units and the spread of their norms
before scaling (see ``_cifar10/diagnosis.py``).

Results go to benchmarks/results/cifar10_dictionaries.json (quick:
cifar10_dictionaries_quick.json), written after every dictionary; finished
ones are skipped on a rerun. ``--figure`` draws each dictionary's energy by
whitened direction beside its validation accuracy.
"""

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _cifar10 import diagnosis  # the package beside this script
from _cifar10.classify import evaluate
from _cifar10.dictionaries import (
    OMP1,
    DenoisedPatches,
    GaussianDirections,
    RandomPatches,
    WarmStarted,
)
from _cifar10.features import preprocessed
from _cifar10.protocol import AS_RECORDED, Classification
from _files import atomic_write
from sklearn.decomposition import PCA

from skscore import (
    ConvolutionalFeaturizer,
    DenoisingSMTransformer,
    GBRBMScoreMatching,
    MPoTAutoencoder,
)
from skscore.datasets import load_cifar10
from skscore.preprocessing import sample_patches

RESULTS = Path(__file__).resolve().parent / "results"

#: the dictionaries drawn in the figure's left panel, where more are unreadable
FIGURE_LINES = (
    "OMP-1",
    "random patches",
    "GBRBM DSM, noise 2, learned sigma",
    "GBRBM DSM, noise 1, sigma=1",
    "GBRBM SM from OMP-1",
    "GBRBM SM (default: learned sigma)",
    "Gaussian directions",
)
THRESHOLD = 0.25


@dataclass(frozen=True)
class Sweep:
    """The sizes of a sweep."""

    n_train: int
    n_validation: int
    n_patches: int
    n_units: int
    max_iter: int
    stride: int


#: K = 400 on 10,000 / 2,000 images, stride 2: minutes a dictionary on 2 cores
FULL = Sweep(10_000, 2_000, 100_000, 400, 200, 2)
QUICK = Sweep(2_000, 1_000, 20_000, 100, 40, 2)

#: the validation protocol: C on a fixed grid, extended past an edge, no refit
CLASSIFICATION = Classification(
    "svm", C_grid=(1e-3, 3.16e-3, 1e-2), C_steps=(), refit=False
)


def dictionaries(sweep):
    """Name -> (patch model, whitening of the featurizer)."""
    K, max_iter = sweep.n_units, sweep.max_iter
    pca = PCA(n_components=0.99, whiten=True)

    def gbrbm(**params):
        return GBRBMScoreMatching(
            n_components=K, max_iter=max_iter, **AS_RECORDED, **params
        )

    def mpot(**params):
        return MPoTAutoencoder(
            n_covariance=K // 2,
            n_mean=K // 2,
            visible_std=1.0,
            max_iter=max_iter,
            **AS_RECORDED,
            **params,
        )

    found = {
        "random patches": (RandomPatches(K), True),
        "OMP-1": (OMP1(K), True),
        "Gaussian directions": (GaussianDirections(K), True),
        "GBRBM SM (default: learned sigma)": (gbrbm(), True),
        "GBRBM SM, sigma=1": (gbrbm(visible_std=1.0), True),
        "GBRBM SM from random patches": (WarmStarted(gbrbm(), RandomPatches(K)), True),
        "GBRBM SM from OMP-1": (WarmStarted(gbrbm(), OMP1(K)), True),
        "mPoT SM, ZCA": (mpot(), True),
        "mPoT SM, PCA 99%": (mpot(), pca),
        # the input on which the mPoT gains: PCA whitening keeping 99% of
        # the variance drops the low-variance directions score matching
        # weighs most
        "GBRBM SM, PCA 99%": (gbrbm(), pca),
        "random patches, PCA 99%": (RandomPatches(K), pca),
    }
    # a fixed sigma: the hidden units model the directions whose variance
    # exceeds sigma**2, the rest is left to the visible noise
    for std in (0.1, 0.2, 0.5, 0.7):
        found[f"GBRBM SM, sigma={std:g}"] = (gbrbm(visible_std=std), True)
    # the visible noise fixed at the corruption's level, so that it cannot
    # absorb the corruption as a learned sigma does, and the hidden units
    # model the clean patches; beside it a learned sigma and sigma=1
    for noise, std in (
        (1.0, 1.0),
        (2.0, 2.0),
        (4.0, 4.0),
        (8.0, 8.0),
        (2.0, "learn"),
        (2.0, 1.0),
    ):
        sigma = "learned sigma" if std == "learn" else f"sigma={std:g}"
        found[f"GBRBM DSM, noise {noise:g}, {sigma}"] = (
            DenoisingSMTransformer(gbrbm(visible_std=std), noise=noise),
            True,
        )
    for n_steps, step_size in ((1, 1.0), (10, 0.5)):
        model = gbrbm(objective="dsm", noise=1.0)
        found[f"patches denoised, {n_steps} x {step_size:g} (GBRBM DSM)"] = (
            DenoisedPatches(model, K, n_steps=n_steps, step_size=step_size),
            True,
        )
    return found


def images(sweep, data_home):
    """The training and validation images and labels of ``sweep``."""
    X, y = load_cifar10("train", data_home=data_home, return_X_y=True)
    end = sweep.n_train + sweep.n_validation
    return (X[: sweep.n_train], X[sweep.n_train : end]), (
        y[: sweep.n_train],
        y[sweep.n_train : end],
    )


def measure(model, whiten, sweep, X, y, log):
    """Fit, diagnose and classify one dictionary; its fields."""
    featurizer = ConvolutionalFeaturizer(
        model,
        stride=sweep.stride,
        n_patches=sweep.n_patches,
        whiten=whiten,
        encoding="soft_threshold",
        threshold=THRESHOLD,
        random_state=0,
    )
    featurizer.set_params(
        **{
            name: 0
            for name in featurizer.get_params(deep=True)
            if name.endswith("random_state")
        }
    )
    start = time.perf_counter()
    featurizer.fit(X[0])
    learn = time.perf_counter() - start
    held_out = sample_patches(
        X[0], 20_000, featurizer.image_shape, featurizer.patch_size, random_state=1
    )
    estimator = featurizer.estimator_
    filters = (
        estimator.input_filters()[0]
        if hasattr(estimator, "input_filters")
        else estimator.components_
    )
    fields = diagnosis.describe(filters, preprocessed(featurizer, held_out), THRESHOLD)
    fields["learn_seconds"] = learn
    features = [featurizer.transform(a) for a in X]
    # validation only: the "test" slot is the validation set again
    scored = evaluate(
        [features[0], features[1], features[1].copy()],
        (y[0], y[1], y[1]),
        CLASSIFICATION,
        log,
    )
    fields["C"] = scored["C"]
    fields["validation_accuracy"] = max(scored["validation_accuracy"].values())
    fields["validation_accuracy_by_C"] = scored["validation_accuracy"]
    return fields


def save(output, name, row):
    """Add ``row`` to the results file, keeping what other runs wrote meanwhile."""
    results = json.loads(output.read_text()) if output.exists() else {}
    results[name] = row
    atomic_write(output, json.dumps(results, indent=1))
    return results


def figure(results, path, lines=FIGURE_LINES, n_bands=12):
    """Each dictionary's energy over the whitened spectrum, and its accuracy.

    Left: the mean share of a unit filter's energy in each band of
    whitened directions (largest variance first), with the patches'
    variance along them, for the dictionaries named in ``lines`` (all when
    None); right: the validation accuracy of every dictionary, best first.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(results.items(), key=lambda kv: -kv[1]["validation_accuracy"])
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1, 1.1]}
    )
    # the spectrum of the default whitening, ZCA: the rows of a PCA input
    # have fewer directions and are left out of the left panel
    n_directions = max(len(row["whitened_variances"]) for _, row in rows)
    zca = [
        (name, row)
        for name, row in rows
        if len(row["energy_by_direction"]) == n_directions
    ]
    variances = np.asarray(zca[0][1]["whitened_variances"])
    bands = np.array_split(np.arange(n_directions), n_bands)
    middles = [band.mean() + 1 for band in bands]
    for name, row in zca:
        if lines is not None and name not in lines:
            continue
        energy = np.asarray(row["energy_by_direction"])
        left.plot(middles, [energy[band].sum() for band in bands], label=name, lw=1.2)
    left.set_xlabel("whitened directions, largest variance first")
    left.set_ylabel(f"share of a filter's energy per band of {len(bands[0])}")
    left.set_title("Where the filters put their energy")
    twin = left.twinx()
    twin.plot(np.arange(1, len(variances) + 1), variances, color="0.6", ls="--")
    twin.set_ylabel("variance of the whitened patches (dashed)")
    twin.set_ylim(0, None)
    left.legend(fontsize=6, loc="upper right")
    names = [name for name, _ in rows]
    accuracy = [100 * row["validation_accuracy"] for _, row in rows]
    right.barh(range(len(rows)), accuracy, color="0.45")
    right.set_yticks(range(len(rows)), names, fontsize=7)
    right.invert_yaxis()
    right.set_xlim(min(accuracy) - 2, max(accuracy) + 1)
    right.set_xlabel("validation accuracy (%)")
    right.set_title("Under the same soft threshold encoder")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--dictionaries", nargs="+")
    parser.add_argument("--redo", action="store_true")
    parser.add_argument("--output")
    parser.add_argument("--figure")
    args = parser.parse_args(argv)
    sweep = QUICK if args.quick else FULL
    output = Path(
        args.output
        or RESULTS / f"cifar10_dictionaries{'_quick' if args.quick else ''}.json"
    )
    table = dictionaries(sweep)
    names = args.dictionaries or list(table)
    unknown = set(names) - set(table)
    if unknown:
        parser.error(f"unknown dictionaries {sorted(unknown)}; known: {list(table)}")
    results = json.loads(output.read_text()) if output.exists() else {}
    X, y = images(sweep, args.data_home)
    for name in names:
        if name in results and not args.redo:
            continue
        print(f"[{name}]", flush=True)
        row = measure(*table[name], sweep, X, y, print)
        results = save(output, name, row)
        print(
            f"  validation {row['validation_accuracy']:.4f}, energy in top "
            f"{diagnosis.TOP} {row['energy_top']:.2f}, median max |cos| "
            f"{row['median_max_cosine']:.2f}, dead {row['dead']:.2f}",
            flush=True,
        )
    if args.figure:
        figure(results, args.figure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
