"""A row's features: the noise choice, learning, encoding, and their cache.

Only public skscore API: the featurizer is fitted and applied through
``fit`` and ``transform``, and the noise choice preprocesses its held-out
patches with :mod:`skscore.preprocessing` and the fitted featurizer's
``whitening_``, as its ``normalize`` parameter says it does.
"""

import hashlib
import json
import time

# the results-file helpers beside this package (benchmarks/_files.py)
import _files
import numpy as np
from sklearn.base import clone

import skscore
from skscore.preprocessing import normalize_patches, sample_patches

PARTS = ("train", "validation", "test")


def preprocessed(featurizer, patches):
    """``patches`` as the fitted ``featurizer`` gives them to its estimator.

    The per-patch normalization when ``normalize``, then the fitted
    ``whitening_``, in float32.
    """
    patches = np.asarray(patches, dtype=np.float32)
    if featurizer.normalize:
        patches = normalize_patches(patches)
    if featurizer.whitening_ is not None:
        patches = featurizer.whitening_.transform(patches)
    return np.asarray(patches, dtype=np.float32)


def choose_noise(featurizer, X_train, noises, log):
    """The noise level whose patch model has the best held-out SM score.

    ``featurizer`` is fitted on ``X_train`` at each level, and its patch
    model scored on as many other patches of ``X_train``, preprocessed as the
    featurizer preprocesses its own.

    Returns
    -------
    noise : float
        The chosen level.

    scores : dict
        The held-out score of each level.

    fitted : dict
        By level, the fitted featurizer and the seconds its fit took.
    """
    held_out = sample_patches(
        X_train,
        featurizer.n_patches,
        featurizer.image_shape,
        featurizer.patch_size,
        random_state=np.random.RandomState(12345),
    )
    scores, fitted = {}, {}
    for noise in noises:
        start = time.perf_counter()
        level = clone(featurizer).set_params(estimator__noise=noise).fit(X_train)
        fitted[noise] = level, time.perf_counter() - start
        scores[noise] = float(level.estimator_.score(preprocessed(level, held_out)))
        log(f"    noise {noise}: held-out score {scores[noise]:.4g}")
    return max(scores, key=scores.get), scores, fitted


def seeded(featurizer, random_state):
    """A clone of ``featurizer`` with every ``random_state`` inside set."""
    featurizer = clone(featurizer)
    return featurizer.set_params(
        **{
            name: random_state
            for name in featurizer.get_params(deep=True)
            if name.endswith("random_state")
        }
    )


def learn_and_encode(featurizer, noises, images, random_state, log, fitted):
    """Learn a row's features on ``images[0]`` and encode the three image sets.

    ``fitted`` maps the description of a featurizer (see :func:`identity`)
    to that featurizer, fitted earlier in the same row, and the seconds its
    fit took: one found there is taken out and used instead of being fitted
    again. The noise choice of a row with ``noises`` adds the featurizer it
    fitted at every level, for the other levels' features.

    Returns the row's fields so far (timings, the chosen noise; a row with
    ``noises`` counts the fits at every level in its ``learn_seconds``) and
    the features of each set.
    """
    row = {}
    if featurizer is None:
        row["learn_seconds"] = row["encode_seconds"] = 0.0
        return row, [a.astype(np.float32) for a in images]
    start = time.perf_counter()
    # seed the patch draw and every model inside, for reproducible rows
    featurizer = seeded(featurizer, random_state)
    if noises is not None:
        log("  choosing noise by held-out score matching score")
        noise, row["noise_scores"], by_noise = choose_noise(
            featurizer, images[0], noises, log
        )
        fitted.update({identity(level): (level, s) for level, s in by_noise.values()})
        featurizer.set_params(estimator__noise=noise)
        row["noise"] = noise
    earlier = fitted.pop(identity(featurizer), None)
    if earlier is not None:
        log("  features learned while choosing the noise")
        featurizer, seconds = earlier
        row["learn_seconds"] = time.perf_counter() - start if noises else seconds
    else:
        log("  learning features")
        featurizer.fit(images[0])
        row["learn_seconds"] = time.perf_counter() - start
    log(f"  encoding ({row['learn_seconds']:.0f}s so far)")
    start = time.perf_counter()
    featurizer.set_params(verbose=1)  # a progress line every few seconds
    features = [featurizer.transform(a) for a in images]
    row["encode_seconds"] = time.perf_counter() - start
    return row, features


def identity(featurizer):
    """Everything that defines ``featurizer``'s parameters, as text."""
    return json.dumps(_describe(featurizer), sort_keys=True)


# -- the cache of encoded features -------------------------------------------------


def slug(name):
    """``name`` as a file name."""
    return "".join(c if c.isalnum() else "_" for c in name.lower())


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


def cache_key(name, featurizer, noises, scale, random_state, images):
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
        "skscore": skscore.__version__,
    }
    text = json.dumps(description, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_cache(path, log, n_rows):
    """A cached row and its features, or None when absent, unreadable or wrong.

    ``n_rows`` are the numbers of images of the parts: features of other
    shapes (a file altered or mixed up since) are computed again rather
    than classified.
    """
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            row = json.loads(str(stored["row"]))
            features = [stored[part] for part in PARTS]
        shapes = [f.shape for f in features]
        if (
            any(len(shape) != 2 for shape in shapes)
            or [shape[0] for shape in shapes] != list(n_rows)
            or len({shape[1] for shape in shapes}) != 1
        ):
            raise ValueError(
                f"features of shapes {shapes}, not {list(n_rows)} rows of one width"
            )
    except Exception as exc:  # truncated, corrupt, altered: compute again
        log(
            f"  cached features {path} are unreadable ({type(exc).__name__}: "
            f"{exc}); computing them again"
        )
        return None
    return row, features


def write_cache(path, row, features):
    path.parent.mkdir(parents=True, exist_ok=True)
    # the directory's lock: no other writer of this entry is running while
    # the temporary files that killed ones left (hundreds of MB each) go
    with _files.locked(path.parent):
        _files.remove_stale_temporaries(path)
        with _files.atomic_writer(path) as f:
            np.savez(f, row=json.dumps(row), **dict(zip(PARTS, features, strict=True)))


def row_features(
    name, definition, images, *, scale, random_state, cache, redo, log, fitted=None
):
    """A row's fields so far and its features: from ``cache``, or computed.

    ``definition`` is the row's (featurizer, noises); ``cache`` a directory or
    None; ``redo`` computes them even when cached (and caches them again);
    ``fitted``: featurizers fitted earlier in the row, see
    :func:`learn_and_encode`.
    """
    featurizer, noises = definition
    path = None
    if cache is not None:
        key = cache_key(name, featurizer, noises, scale, random_state, images)
        path = cache / f"{slug(name)}-{key}.npz"
    n_rows = [len(part) for part in images]
    stored = None if path is None or redo else read_cache(path, log, n_rows)
    if stored is not None:
        log(f"  features from {path}")
        return stored
    row, encoded = learn_and_encode(
        featurizer, noises, images, random_state, log, {} if fitted is None else fitted
    )
    if path is not None:
        write_cache(path, row, encoded)
    return row, encoded
