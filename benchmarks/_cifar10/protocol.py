"""CIFAR-10 benchmark: ``python -m skscore cifar10``, ``benchmarks/cifar10.py``.

Every row is one feature learner in the same pipeline: raw images ->
:class:`ConvolutionalFeaturizer` -> standardization -> a multinomial
logistic regression, with the classifier's ``C`` chosen on a validation split
of the training images and the test set used once. (``LinearSVC`` took 15
minutes for one ``C`` on the full k-means features, 45,000 x 6,400, in
liblinear's single-threaded primal solver; ``LogisticRegression``'s L-BFGS
runs on float32 matrix products, took 87 s and reached a higher validation
accuracy, 75.7% against 72.3% at the best ``C`` of each. A linear softmax is
also the classifier of Ranzato and Hinton's mPoT experiments.)

Rows are written to the results file as each finishes, and a rerun skips the
rows already there, so the full benchmark (hours on 2 cores) can run in
pieces; ``cache`` keeps each row's encoded features for reruns of the
classifier.

No finished row is ever lost: the results file is replaced atomically
(temporary file, fsync, rename) under an advisory lock held across each
read-merge-write, so a killed run leaves the previous file whole and runs in
parallel keep each other's rows; a file of another scale or one that cannot
be read stops the run and is left untouched; rows the current table does not
define are kept. Cached features are keyed by a hash of everything that
produced them (the row's featurizer and its parameters, the scale, the seed
and the images) and written atomically; an unreadable cache file is
recomputed.
"""

import hashlib
import json
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils import gen_batches

from . import __version__, _io
from ._denoising import DenoisingSMTransformer
from ._gbrbm import GBRBMScoreMatching
from ._mpot import MPoTAutoencoder
from .convolutional import ConvolutionalFeaturizer
from .datasets import fetch_cifar10, load_cifar10
from .preprocessing import sample_patches


class TriangleKMeans(TransformerMixin, BaseEstimator):
    """k-means with the "triangle" encoding of Coates, Lee & Ng (2011).

    ``transform`` gives ``max(0, mean(z) - z_k)`` for the distances ``z_k`` of a
    row to the centroids: a centroid fires when the row is closer to it than
    to the average centroid.
    """

    def __init__(self, n_clusters=1600, random_state=None):
        self.n_clusters = n_clusters
        self.random_state = random_state

    def fit(self, X, y=None):
        self.kmeans_ = MiniBatchKMeans(
            self.n_clusters, batch_size=4096, n_init=3, random_state=self.random_state
        ).fit(X)
        return self

    def transform(self, X):
        # distances by one product in X's own dtype: scikit-learn's
        # euclidean_distances upcasts float32 in chunks, twice as slow here
        centers = self.kmeans_.cluster_centers_.astype(X.dtype, copy=False)
        distances = X @ (-2 * centers.T)
        distances += np.einsum("ij,ij->i", X, X)[:, None]
        distances += np.einsum("ij,ij->i", centers, centers)
        np.sqrt(np.maximum(distances, 0, out=distances), out=distances)
        return np.maximum(distances.mean(axis=1, keepdims=True) - distances, 0)


@dataclass
class Scale:
    """Sizes of one run: the full protocol or the quick one."""

    n_train: int  # training images, the last n_validation of them held out
    n_validation: int
    n_test: int
    n_patches: int  # patches k-means and the BernoulliRBM are fitted on
    n_model_patches: int  # patches of the score matching and likelihood models
    n_units: int  # K, the Coates protocol's number of features per position
    paper_units: tuple  # covariance and mean units of the paper's mPoT rows
    max_iter: int  # L-BFGS iterations of the score matching objectives
    n_passes: int  # passes over the patches of the maximum-likelihood ones
    stride: int
    C_grid: tuple


# Full: the Coates protocol's sizes, except that the skscore models are fitted
# on 100,000 of the patches (one GBRBM evaluation on 400,000 takes ~20 s here);
# the paper rows use Ranzato and Hinton's (2010) 225 covariance and 81 mean
# units per position, 49 x 306 = 14,994 features.
FULL = Scale(
    n_train=50_000,
    n_validation=5_000,
    n_test=10_000,
    n_patches=400_000,
    n_model_patches=100_000,
    n_units=1600,
    paper_units=(225, 81),
    max_iter=200,
    n_passes=10,
    stride=1,
    C_grid=(1e-3, 1e-2, 1e-1),
)
QUICK = Scale(
    n_train=3_000,
    n_validation=1_000,
    n_test=1_000,
    n_patches=30_000,
    n_model_patches=30_000,
    n_units=100,
    paper_units=(25, 12),
    max_iter=60,
    n_passes=10,
    stride=2,
    C_grid=(1e-3, 1e-2, 1e-1),
)


def _paper_mpot(objective, scale):
    # The paper's mPoT protocol as far as it is described: 8x8 colour
    # patches on a grid of stride 4, PCA-whitened, mPoT hidden expectations
    # of every grid position concatenated (pooling=None). The
    # maximum-likelihood rows run minibatch passes with HMC negative samples.
    likelihood = objective in ("cd", "pcd", "fpcd")
    return ConvolutionalFeaturizer(
        MPoTAutoencoder(
            n_covariance=scale.paper_units[0],
            n_mean=scale.paper_units[1],
            visible_std=1.0,
            encoding="expectation",
            objective=objective,
            noise=0.3,
            max_iter=scale.n_passes if likelihood else scale.max_iter,
        ),
        patch_size=8,
        stride=4,
        pooling=None,
        encoding="transform",
        whiten=PCA(n_components=0.99, whiten=True),
        n_patches=scale.n_model_patches,
    )


def _coates(estimator, scale, n_patches=None, **encoding):
    return ConvolutionalFeaturizer(
        estimator,
        stride=scale.stride,
        n_patches=n_patches or scale.n_model_patches,
        **{"encoding": "transform", **encoding},
    )


def _rows(scale):
    """Row name -> (featurizer, noise levels to choose from by held-out score)."""
    K = scale.n_units
    sm_gbrbm = GBRBMScoreMatching(n_components=K, max_iter=scale.max_iter)
    mpot = MPoTAutoencoder(
        n_covariance=K // 2, n_mean=K // 2, visible_std=1.0, max_iter=scale.max_iter
    )
    soft = {"encoding": "soft_threshold", "threshold": 0.25}
    pca_white = {"whiten": PCA(n_components=0.99, whiten=True)}
    return {
        "paper: mPoT SM": (_paper_mpot("sm", scale), None),
        "paper: mPoT SMD (DSM)": (_paper_mpot("dsm", scale), None),
        "paper: mPoT AE": (_paper_mpot("ae", scale), None),
        "paper: mPoT CD": (_paper_mpot("cd", scale), None),
        "paper: mPoT PCD": (_paper_mpot("pcd", scale), None),
        "paper: mPoT FPCD": (_paper_mpot("fpcd", scale), None),
        "raw pixels": (None, None),
        "k-means triangle (Coates)": (
            _coates(TriangleKMeans(K), scale, scale.n_patches),
            None,
        ),
        # BernoulliRBM wants values in [0, 1]: min-max scaled whitened patches
        # sit near 0.5 and gave 16% (quick mode), unwhitened ones 30%
        "BernoulliRBM (scikit-learn)": (
            _coates(
                Pipeline(
                    [
                        ("scale", MinMaxScaler()),
                        ("rbm", BernoulliRBM(K, learning_rate=0.05, n_iter=20)),
                    ]
                ),
                scale,
                scale.n_patches,
                whiten=False,
            ),
            None,
        ),
        "GBRBM SM, soft threshold": (_coates(sm_gbrbm, scale, **soft), None),
        "GBRBM DSM, soft threshold": (
            _coates(DenoisingSMTransformer(sm_gbrbm), scale, **soft),
            (0.3, 1.0, 2.0),
        ),
        "mPoT SM, soft threshold": (_coates(mpot, scale, **soft, **pca_white), None),
        "mPoT DSM, soft threshold": (
            _coates(DenoisingSMTransformer(mpot), scale, **soft, **pca_white),
            (0.3, 1.0, 2.0),
        ),
        # the threshold chosen on a validation split of 10,000 training
        # images at K=1600: 0.5 beat 0.25 by 0.8 points there
        "mPoT SM, soft threshold 0.5": (
            _coates(mpot, scale, encoding="soft_threshold", threshold=0.5, **pca_white),
            None,
        ),
    }


def _choose_noise(featurizer, X_train, noises, log):
    """The noise level whose patch model has the best held-out SM score.

    The patch model is fitted at each level on the featurizer's own training
    patches and scored on as many other patches, preprocessed the same way.
    """
    featurizer = clone(featurizer)
    train = featurizer._training_patches(X_train)
    held_out = featurizer._preprocess(
        sample_patches(
            X_train,
            len(train),
            featurizer.image_shape,
            featurizer.patch_size,
            random_state=np.random.RandomState(12345),
        )
    )
    scores = {}
    for noise in noises:
        model = clone(featurizer.estimator).set_params(noise=noise)
        scores[noise] = float(model.fit(train).score(held_out))
        log(f"    noise {noise}: held-out score {scores[noise]:.4g}")
    return max(scores, key=scores.get), scores


def _classify(train, y_train, validation, y_validation, test, y_test, C_grid, log):
    # standardized in place, in chunks of rows: the paper rows' features are
    # several GB, and a whole-array fit would make a float64 copy of them
    scaler = StandardScaler(copy=False)
    for batch in gen_batches(len(train), 1000):
        scaler.partial_fit(train[batch])
    for features in (train, validation, test):
        for batch in gen_batches(len(features), 1000):
            scaler.transform(features[batch])
    accuracies, weights = {}, {}
    # ascending C, each fit starting from the last one's weights
    classifier = LogisticRegression(max_iter=500, warm_start=True)
    for C in sorted(C_grid):
        with warnings.catch_warnings():  # the grid's largest C may not converge
            warnings.simplefilter("ignore", ConvergenceWarning)
            classifier.set_params(C=C).fit(train, y_train)
        weights[C] = classifier.coef_.copy(), classifier.intercept_.copy()
        accuracies[C] = float(classifier.score(validation, y_validation))
        log(f"    C={C}: validation accuracy {accuracies[C]:.4f}")
    best = max(accuracies, key=accuracies.get)
    classifier.coef_, classifier.intercept_ = weights[best]
    return float(classifier.score(test, y_test)), best, accuracies


_PARTS = ("train", "validation", "test")


def _slug(name):
    return "".join(c if c.isalnum() else "_" for c in name.lower())


def _features(featurizer, noises, images, random_state, log):
    """Learn a row's features and encode the three image sets."""
    row = {}
    start = time.perf_counter()
    if featurizer is None:
        row["learn_seconds"] = row["encode_seconds"] = 0.0
        return row, [a.astype(np.float32) for a in images]
    featurizer = clone(featurizer)
    # seed the patch draw and every model inside, for reproducible rows
    featurizer.set_params(
        **{
            name: random_state
            for name in featurizer.get_params(deep=True)
            if name.endswith("random_state")
        }
    )
    if noises is not None:
        log("  choosing noise by held-out score matching score")
        noise, row["noise_scores"] = _choose_noise(featurizer, images[0], noises, log)
        featurizer.set_params(estimator__noise=noise)
        row["noise"] = noise
    log("  learning features")
    featurizer.fit(images[0])
    row["learn_seconds"] = time.perf_counter() - start
    log(f"  encoding ({row['learn_seconds']:.0f}s so far)")
    start = time.perf_counter()
    featurizer.set_params(verbose=1)  # a progress line every few seconds
    features = [featurizer.transform(a) for a in images]
    row["encode_seconds"] = time.perf_counter() - start
    return row, features


class ResultsFileError(ValueError):
    """A results file this run must not write to: unreadable, or another scale."""


def _read_results(output, scale):
    """The rows stored in the results file ``output``, {} if there is none.

    Raises ResultsFileError, naming the file, when it cannot be read or holds
    another scale's results: the run stops and the file is left as it is.
    """
    if output is None or not output.exists():
        return {}
    try:
        stored = json.loads(output.read_text())
        rows, stored_scale = stored["rows"], stored["scale"]
        if not isinstance(rows, dict):
            raise TypeError(f"'rows' is a {type(rows).__name__}, not an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise ResultsFileError(
            f"{output} is not a readable results file ({type(exc).__name__}: "
            f"{exc}). It was left as it is: repair or move it, or write to "
            "another output."
        ) from exc
    if stored_scale != scale:
        raise ResultsFileError(
            f"{output} holds results at another scale ({stored_scale}), not "
            f"this run's ({scale}). A run never touches another scale's rows: "
            "write to another output (by default each scale has its own file)."
        )
    return rows


def _ordered(rows, table):
    """Rows in the order of the table's definition, unknown ones after."""
    return {
        **{name: rows[name] for name in table if name in rows},
        **{name: row for name, row in rows.items() if name not in table},
    }


def _lock_path(output):
    return output.with_name(output.name + ".lock")


def _write_files(output, results):
    # call holding the lock: what killed writers left is theirs no more
    table = output.with_suffix(".md")
    for path in (output, table):
        _io.remove_stale_temporaries(path)
    _io.atomic_write(output, json.dumps(results, indent=2))
    _io.atomic_write(table, markdown_table(results) + "\n")


def _save_row(output, scale, name, row, table):
    """Merge ``row`` into the results file under the lock; return the results."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with _io.locked(_lock_path(output)):
        try:
            stored = _read_results(output, scale)
        except ResultsFileError as exc:
            # keep the row just computed beside the file, never over it
            rescue = output.with_name(f"{output.stem}.{_slug(name)}.rescued.json")
            _io.atomic_write(
                rescue, json.dumps({"scale": scale, "rows": {name: row}}, indent=2)
            )
            raise ResultsFileError(
                f"{exc} The row {name!r} just computed was saved to {rescue}."
            ) from exc
        results = {"scale": scale, "rows": _ordered({**stored, name: row}, table)}
        _write_files(output, results)
    return results


def _describe(estimator):
    """Everything that defines an estimator, as JSON-able text."""
    if not hasattr(estimator, "get_params"):
        return repr(estimator)
    kind = type(estimator)
    return {
        "class": f"{kind.__module__}.{kind.__qualname__}",
        "params": {
            key: (
                f"{type(value).__module__}.{type(value).__qualname__}"
                if hasattr(value, "get_params")  # its parameters are listed deep
                else repr(value)
            )
            for key, value in sorted(estimator.get_params(deep=True).items())
        },
    }


def _cache_key(name, featurizer, noises, scale, random_state, images):
    """A hash of everything that produces a row's features."""
    description = {
        "row": name,
        "featurizer": _describe(featurizer),
        "noises": repr(noises),
        "scale": scale,
        "random_state": repr(random_state),
        "images": [
            [a.shape, str(a.dtype), hashlib.sha256(np.ascontiguousarray(a)).hexdigest()]
            for a in images
        ],
        "skscore": __version__,
    }
    text = json.dumps(description, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read_cache(path, log):
    """A cached row and its features, or None when absent or unreadable."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            row = json.loads(str(stored["row"]))
            features = [stored[part] for part in _PARTS]
    except Exception as exc:  # truncated, corrupt: compute again
        log(
            f"  cached features {path} are unreadable ({type(exc).__name__}: "
            f"{exc}); computing them again"
        )
        return None
    return row, features


def _write_cache(path, row, features):
    path.parent.mkdir(parents=True, exist_ok=True)
    with _io.atomic_writer(path) as f:
        np.savez(f, row=json.dumps(row), **dict(zip(_PARTS, features, strict=True)))


def _load_data(subset, data_home, download, log):
    try:
        return load_cifar10(subset, data_home=data_home, return_X_y=True)
    except FileNotFoundError as exc:
        if not download:
            raise FileNotFoundError(
                f"{exc} Or let the benchmark download it: download=True "
                "(--download on the command line)."
            ) from exc
    log("CIFAR-10 not found: downloading it (163 MB) into scikit-learn's data home")
    return fetch_cifar10(subset, data_home=data_home, return_X_y=True)


def run(
    rows=None,
    *,
    quick=False,
    data_home=None,
    output=None,
    redo=False,
    cache=None,
    download=False,
    random_state=0,
    log=print,
):
    """Run the benchmark rows not yet in ``output``; return all results.

    Parameters
    ----------
    rows : list of str, default=None
        Row names to run (all when None).

    quick : bool, default=False
        Small sizes (minutes) instead of the full protocol (hours).

    data_home : str, default=None
        Where CIFAR-10 is, see :func:`skscore.datasets.load_cifar10`.

    output : path, default=None
        JSON file of results, read to skip finished rows and replaced
        atomically after every row, under an advisory lock (``output`` +
        ``.lock``), keeping the rows that runs in parallel wrote to it; the
        markdown table is written beside it (``.md``). A file holding
        another scale's results, or one that cannot be read, stops the run
        before anything is computed and is never overwritten.

    redo : bool, default=False
        Run the selected rows even if ``output`` or ``cache`` has them.

    cache : path, default=None
        Directory where each row's encoded features are saved (one ``.npz``
        per row, named by the row and a hash of its featurizer, parameters,
        scale, seed and images) and read back on a rerun, so that the
        classifier can be rerun without learning and encoding again.

    download : bool, default=False
        Download CIFAR-10 with :func:`skscore.datasets.fetch_cifar10` when
        it is not found locally.

    Returns
    -------
    results : dict
        ``{"scale": ..., "rows": {name: {...}}}``.
    """
    scale = QUICK if quick else FULL
    all_rows = _rows(scale)
    selected = list(all_rows) if rows is None else rows
    unknown = set(selected) - set(all_rows)
    if unknown:
        raise ValueError(
            f"Unknown rows {sorted(unknown)}; the rows are {list(all_rows)}."
        )
    output = Path(output) if output is not None else None
    cache = Path(cache) if cache is not None else None
    # as JSON stores it (tuples become lists), to compare with a previous run
    scale_json = json.loads(json.dumps(asdict(scale)))
    results = {"scale": scale_json, "rows": _read_results(output, scale_json)}
    foreign = [name for name in results["rows"] if name not in all_rows]
    if foreign:
        log(f"{output} also holds rows the table does not define, kept: {foreign}")
    X, y = _load_data("train", data_home, download, log)
    X_test, y_test = _load_data("test", data_home, download, log)
    X, y = X[: scale.n_train], y[: scale.n_train]
    X_test, y_test = X_test[: scale.n_test], y_test[: scale.n_test]
    split = scale.n_train - scale.n_validation
    X_train, y_train, X_val, y_val = X[:split], y[:split], X[split:], y[split:]
    for name in selected:
        # rows that runs in parallel finished meanwhile are skipped too
        results["rows"] = _ordered(
            {**results["rows"], **_read_results(output, scale_json)}, all_rows
        )
        if name in results["rows"] and not redo:
            log(f"[{name}] already in {output}, skipped")
            continue
        featurizer, noises = all_rows[name]
        log(
            f"[{name}] {len(X_train)} training, {len(X_val)} validation, "
            f"{len(X_test)} test images"
        )
        images = (X_train, X_val, X_test)
        cached = None
        if cache is not None:
            key = _cache_key(name, featurizer, noises, scale_json, random_state, images)
            cached = cache / f"{_slug(name)}-{key}.npz"
        stored = None if cached is None or redo else _read_cache(cached, log)
        if stored is not None:
            log(f"  features from {cached}")
            row, features = stored
        else:
            row, features = _features(featurizer, noises, images, random_state, log)
            if cached is not None:
                _write_cache(cached, row, features)
        row["n_features"] = int(features[0].shape[1])
        log(f"  classifying {row['n_features']} features")
        start = time.perf_counter()
        row["test_accuracy"], row["C"], row["validation_accuracy"] = _classify(
            features[0],
            y_train,
            features[1],
            y_val,
            features[2],
            y_test,
            scale.C_grid,
            log,
        )
        row["classify_seconds"] = time.perf_counter() - start
        log(f"  test accuracy {row['test_accuracy']:.4f}")
        if output is None:
            results["rows"] = _ordered({**results["rows"], name: row}, all_rows)
        else:
            results = _save_row(output, scale_json, name, row, all_rows)
    if output is not None:
        # the table of every row in the file, those of parallel runs included
        with _io.locked(_lock_path(output)):
            results["rows"] = _ordered(
                {**results["rows"], **_read_results(output, scale_json)}, all_rows
            )
            if output.exists():
                _io.atomic_write(
                    output.with_suffix(".md"), markdown_table(results) + "\n"
                )
    return results


#: test accuracies published for the same rows: Swersky et al. (2011) for the
#: paper's mPoT rows, Coates, Lee & Ng (2011) for k-means with an L2 SVM
PUBLISHED = {
    "paper: mPoT SM": 0.650,
    "paper: mPoT SMD (DSM)": 0.647,
    "paper: mPoT AE": 0.576,
    "paper: mPoT CD": 0.646,
    "paper: mPoT PCD": 0.647,
    "paper: mPoT FPCD": 0.655,
    "k-means triangle (Coates)": 0.779,
}


def markdown_table(results):
    """The results as a markdown table, one line per row."""
    lines = [
        "| features | test accuracy | published | learning (s) | encoding (s) "
        "| classifier (s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in results["rows"].items():
        published = f"{PUBLISHED[name]:.1%}" if name in PUBLISHED else ""
        cells = [
            _cell(row, "test_accuracy", ".1%"),
            published,
            *(_cell(row, key, ".0f") for key in _SECONDS),
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


_SECONDS = ("learn_seconds", "encode_seconds", "classify_seconds")


def _cell(row, key, spec):
    # rows written by other versions may lack a field: an empty cell
    value = row.get(key) if isinstance(row, dict) else None
    return format(value, spec) if isinstance(value, int | float) else ""
