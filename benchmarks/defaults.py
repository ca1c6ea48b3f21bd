"""What default parameters give on image sets nobody tuned them for.

    python benchmarks/defaults.py [--data-home DIR] [--quick]

Each data set is classified by a linear SVM (``LinearSVC(C=0.01)`` on
standardized features) on raw pixels and on the features of each estimator
at its default parameters, with every ``encoding`` of ``transform`` (the
soft threshold at three thresholds), and the mPoT also at its former
default ``visible_std=1.0``:

- digits: scikit-learn's 8x8 digits, 1,257 training and 540 test images;
- CIFAR-10 grey: 16x16 grey-level CIFAR-10 images (luminance, 2x2 averages),
  the first 10,000 training and 2,000 test images;
- sample-image patches: 8x8 colour patches of scikit-learn's two sample
  images, labelled by image and quadrant (8 classes), 10,000 training and
  2,000 test patches;
- CIFAR-10 through ``ConvolutionalFeaturizer``: 4,000 training and 1,000
  test colour images, 100 units, 100,000 patches, every featurizer
  encoding ("transform" gives the GBRBM's expectations here).

The flat pipelines are ``StandardScaler -> estimator -> StandardScaler ->
LinearSVC``. Each fitted row records the estimator's ``n_iter_`` and the
number of ConvergenceWarnings its fit raised. Results go to
benchmarks/results/defaults.json and a markdown table beside it.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from _files import atomic_write  # the module beside this script
from sklearn.base import clone
from sklearn.datasets import load_digits, load_sample_images
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skscore import ConvolutionalFeaturizer, GBRBMScoreMatching, MPoTAutoencoder
from skscore.datasets import load_cifar10

RESULTS = Path(__file__).parent / "results"
ENCODINGS = [
    {"encoding": "expectation"},
    {"encoding": "relu"},
    {"encoding": "soft_threshold", "threshold": 0.25},
    {"encoding": "soft_threshold", "threshold": 0.5},
    {"encoding": "soft_threshold", "threshold": 1.0},
]


def _digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def _cifar_grey(data_home, n_train, n_test):
    def grey(X):
        X = X.reshape(-1, 3, 32, 32).astype(np.float64) / 255
        lum = 0.299 * X[:, 0] + 0.587 * X[:, 1] + 0.114 * X[:, 2]
        return lum.reshape(-1, 16, 2, 16, 2).mean(axis=(2, 4)).reshape(len(X), -1)

    X_train, y_train = load_cifar10("train", data_home=data_home, return_X_y=True)
    X_test, y_test = load_cifar10("test", data_home=data_home, return_X_y=True)
    return (
        grey(X_train[:n_train]),
        grey(X_test[:n_test]),
        y_train[:n_train],
        y_test[:n_test],
    )


def _sample_patches(n_train, n_test, patch=8):
    rng = np.random.default_rng(0)
    X, y = [], []
    for index, image in enumerate(load_sample_images().images):
        rows, cols = image.shape[0] // 2, image.shape[1] // 2
        for quadrant in range(4):
            top, left = rows * (quadrant // 2), cols * (quadrant % 2)
            n = (n_train + n_test) // 8
            r = top + rng.integers(0, rows - patch, n)
            c = left + rng.integers(0, cols - patch, n)
            for i, j in zip(r, c, strict=True):
                X.append(image[i : i + patch, j : j + patch].ravel() / 255)
            y += [4 * index + quadrant] * n
    return train_test_split(
        np.array(X), np.array(y), test_size=n_test, random_state=0, stratify=y
    )


def _accuracy(features_train, features_test, y_train, y_test):
    classifier = make_pipeline(StandardScaler(), LinearSVC(C=0.01))
    return float(classifier.fit(features_train, y_train).score(features_test, y_test))


def _fit_counting_warnings(model, X):
    """``model.fit(X)`` and the number of ConvergenceWarnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X)
    for warning in caught:
        if not issubclass(warning.category, ConvergenceWarning):
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return model, sum(issubclass(w.category, ConvergenceWarning) for w in caught)


def _flat_rows(name, X_train, X_test, y_train, y_test, log):
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    rows = [
        {
            "data": name,
            "features": "raw pixels",
            "accuracy": _accuracy(X_train, X_test, y_train, y_test),
        }
    ]
    log(rows[-1])
    models = {
        "GBRBMScoreMatching()": GBRBMScoreMatching(random_state=0),
        "MPoTAutoencoder()": MPoTAutoencoder(random_state=0),
        "MPoTAutoencoder(visible_std=1.0)": MPoTAutoencoder(
            visible_std=1.0, random_state=0
        ),
    }
    for label, model in models.items():
        start = time.perf_counter()
        model, n_warnings = _fit_counting_warnings(clone(model), X_train)
        fit_time = time.perf_counter() - start
        for setting in ENCODINGS:
            model.set_params(**setting)
            rows.append(
                {
                    "data": name,
                    "features": f"{label}, "
                    + ", ".join(f"{k}={v!r}" for k, v in setting.items()),
                    "accuracy": _accuracy(
                        model.transform(X_train),
                        model.transform(X_test),
                        y_train,
                        y_test,
                    ),
                    "fit_seconds": round(fit_time, 1),
                    "n_iter": model.n_iter_,
                    "convergence_warnings": n_warnings,
                }
            )
            log(rows[-1])
    return rows


def _featurizer_rows(data_home, n_train, n_test, log):
    X_train, y_train = load_cifar10("train", data_home=data_home, return_X_y=True)
    X_test, y_test = load_cifar10("test", data_home=data_home, return_X_y=True)
    X_train, y_train = X_train[:n_train], y_train[:n_train]
    X_test, y_test = X_test[:n_test], y_test[:n_test]
    rows = [
        {
            "data": "CIFAR-10 colour",
            "features": "raw pixels",
            "accuracy": _accuracy(
                X_train.astype(np.float32), X_test.astype(np.float32), y_train, y_test
            ),
        }
    ]
    log(rows[-1])
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(n_components=100, encoding="expectation", random_state=0),
        n_patches=100_000,
        random_state=0,
    )
    start = time.perf_counter()
    featurizer, n_warnings = _fit_counting_warnings(featurizer, X_train)
    fit_time = time.perf_counter() - start
    settings = [
        {"encoding": "transform"},
        {"encoding": "relu"},
        {"encoding": "soft_threshold", "threshold": 0.25},
        {"encoding": "soft_threshold", "threshold": 0.5},
        {"encoding": "soft_threshold", "threshold": 1.0},
    ]
    for setting in settings:
        featurizer.set_params(**setting)
        start = time.perf_counter()
        train, test = featurizer.transform(X_train), featurizer.transform(X_test)
        rows.append(
            {
                "data": "CIFAR-10 colour",
                "features": "ConvolutionalFeaturizer(GBRBMScoreMatching(100, "
                "encoding='expectation')), "
                + ", ".join(f"{k}={v!r}" for k, v in setting.items()),
                "accuracy": _accuracy(train, test, y_train, y_test),
                "fit_seconds": round(fit_time, 1),
                "encoding_seconds": round(time.perf_counter() - start, 1),
                "n_iter": featurizer.estimator_.n_iter_,
                "convergence_warnings": n_warnings,
            }
        )
        log(rows[-1])
    return rows


def markdown(rows):
    lines = [
        "| data | features | test accuracy | iterations |",
        "|---|---|---:|---:|",
    ]
    lines += [
        f"| {r['data']} | {r['features']} | {100 * r['accuracy']:.1f}% "
        f"| {r.get('n_iter', '')} |"
        for r in rows
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-featurizer", action="store_true")
    args = parser.parse_args()
    n_train, n_test = (2000, 500) if args.quick else (10_000, 2_000)
    rows = []

    def log(row):
        print(json.dumps(row), flush=True)

    rows += _flat_rows("digits", *_digits(), log)
    rows += _flat_rows(
        "CIFAR-10 grey 16x16", *_cifar_grey(args.data_home, n_train, n_test), log
    )
    rows += _flat_rows("sample-image patches", *_sample_patches(n_train, n_test), log)
    if not args.skip_featurizer:
        rows += _featurizer_rows(args.data_home, 4 * n_train // 10, n_test // 2, log)
    output = RESULTS / ("defaults_quick.json" if args.quick else "defaults.json")
    for path, text in [
        (output, json.dumps(rows, indent=2)),
        (output.with_suffix(".md"), markdown(rows)),
    ]:
        atomic_write(path, text + "\n")  # a crash leaves the old file


if __name__ == "__main__":
    main()
