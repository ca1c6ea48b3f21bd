"""Data sets: CIFAR-10 from local files, natural image patches, synthetic GBRBM data."""

import itertools
import os
import pickle
from pathlib import Path

import numpy as np
from scipy.special import logsumexp
from sklearn.datasets import get_data_home, load_sample_images
from sklearn.feature_extraction.image import extract_patches_2d
from sklearn.utils import Bunch, check_random_state

_LABEL_NAMES = np.array(
    [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ]
)


def _candidate_homes(data_home):
    if data_home is not None:
        return [Path(data_home)]
    homes = [Path(os.environ["SKSCORE_DATA"])] if os.environ.get("SKSCORE_DATA") else []
    return homes + [Path(get_data_home())]


def _from_npz(path):
    with np.load(path) as data:
        return {
            "train": (data["X_train"], data["y_train"]),
            "test": (data["X_test"], data["y_test"]),
        }


def _unpickle(path):
    with open(path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    data = batch[b"data"] if b"data" in batch else batch["data"]
    labels = batch[b"labels"] if b"labels" in batch else batch["labels"]
    return np.asarray(data, dtype=np.uint8), np.asarray(labels, dtype=np.uint8)


def _from_batches(directory):
    train = [_unpickle(directory / f"data_batch_{i}") for i in range(1, 6)]
    return {
        "train": (
            np.concatenate([X for X, _ in train]),
            np.concatenate([y for _, y in train]),
        ),
        "test": _unpickle(directory / "test_batch"),
    }


def load_cifar10(subset="train", *, data_home=None, return_X_y=False):
    """Load CIFAR-10 from a local copy; nothing is downloaded.

    It reads ``cifar10.npz`` (arrays ``X_train``, ``y_train``, ``X_test``,
    ``y_test``) or the official "CIFAR-10 python version" directory
    ``cifar-10-batches-py/`` (pickled ``data_batch_1`` to ``data_batch_5`` and
    ``test_batch``), looked for in ``data_home``, else in the directory named
    by the environment variable ``SKSCORE_DATA``, else in scikit-learn's data
    home (:func:`sklearn.datasets.get_data_home`).

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        The 50,000 training images, the 10,000 test images, or both (training
        first).

    data_home : str or path-like, default=None
        Directory holding ``cifar10.npz`` or ``cifar-10-batches-py/``.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data``: uint8 array of shape (n_images, 3072), each row the red,
        green and blue 32x32 planes one after the other, rows of pixels in
        order (CIFAR's own layout); ``target``: uint8 labels 0 to 9;
        ``target_names``: the class names; ``DESCR``.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        When neither file is found, saying where to put which.

    Examples
    --------
    >>> from skscore.datasets import load_cifar10
    >>> X, y = load_cifar10("test", return_X_y=True)  # from SKSCORE_DATA here
    >>> X.shape, X.dtype
    ((10000, 3072), dtype('uint8'))
    >>> load_cifar10("test").target_names[y[0]]
    np.str_('cat')
    """
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset must be 'train', 'test' or 'all', got {subset!r}.")
    homes = _candidate_homes(data_home)
    for home in homes:
        if (home / "cifar10.npz").is_file():
            splits = _from_npz(home / "cifar10.npz")
            break
        if (home / "cifar-10-batches-py" / "test_batch").is_file():
            splits = _from_batches(home / "cifar-10-batches-py")
            break
    else:
        raise FileNotFoundError(
            "CIFAR-10 was not found in "
            + ", ".join(str(home) for home in homes)
            + ". Put cifar10.npz (arrays X_train, y_train, X_test, y_test) or the "
            "official 'CIFAR-10 python version' directory cifar-10-batches-py/ "
            "there, or pass data_home= or set SKSCORE_DATA to the directory "
            "holding them. skscore never downloads data."
        )
    parts = ["train", "test"] if subset == "all" else [subset]
    data = np.concatenate([splits[part][0] for part in parts])
    target = np.concatenate([splits[part][1] for part in parts]).astype(np.uint8)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        target_names=_LABEL_NAMES.copy(),
        DESCR=(
            "CIFAR-10 (Krizhevsky, 2009): 32x32 colour images in 10 classes, "
            f"{subset} subset, {len(data)} images, rows in CIFAR's channel-first "
            "layout."
        ),
    )


def load_sample_patches(patch_size=8, n_patches=10_000, *, random_state=None):
    """Grayscale patches of scikit-learn's two bundled sample photographs.

    Natural image patches for small experiments, with no file to fetch: equal
    numbers of random ``patch_size x patch_size`` patches from each image of
    :func:`sklearn.datasets.load_sample_images`, gray levels in [0, 1].

    Parameters
    ----------
    patch_size : int, default=8
        Side of the square patches.

    n_patches : int, default=10_000
        Number of patches (rounded up to an even number).

    random_state : int, RandomState instance or None, default=None
        Seeds the patch positions.

    Returns
    -------
    patches : ndarray of shape (n_patches, patch_size**2)
        One flattened patch per row.

    Examples
    --------
    >>> from skscore.datasets import load_sample_patches
    >>> load_sample_patches(6, 100, random_state=0).shape
    (100, 36)
    """
    rng = check_random_state(random_state)
    per_image = -(-n_patches // 2)
    return np.vstack(
        [
            extract_patches_2d(
                image.mean(axis=2) / 255,
                (patch_size, patch_size),
                max_patches=per_image,
                random_state=rng,
            ).reshape(per_image, -1)
            for image in load_sample_images().images
        ]
    )


def make_gbrbm(
    n_samples=1000,
    n_features=8,
    n_components=4,
    *,
    weight_scale=1.0,
    visible_std=1.0,
    random_state=None,
):
    """Exact samples from a random Gaussian-Bernoulli RBM, and its parameters.

    The weights are Gaussian with standard deviation ``weight_scale /
    sqrt(n_features)``, and the biases standard Gaussian. The hidden vector of
    each row is drawn from its exact marginal
    ``p(h) ~ exp(c.h + b.Wh + |Wh|^2 / 2)`` (a sum over all ``2**n_components``
    states), then ``v = visible_std (b + W^T h + eps)``: no Markov chain, so
    the data are a known model's without any mixing error, for testing
    estimators against the truth.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.

    n_features : int, default=8
        Number of visible units.

    n_components : int, default=4
        Number of hidden units, at most 16.

    weight_scale : float, default=1.0
        Scale of the weights.

    visible_std : float, default=1.0
        Visible standard deviation ``sigma``.

    random_state : int, RandomState instance or None, default=None
        Seeds the parameters and the samples.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The samples.

    params : dict
        The model in the format of :mod:`skscore.energies.gbrbm`
        (``components``, ``intercept_hidden``, ``intercept_visible``,
        ``log_visible_std``).

    Examples
    --------
    >>> from skscore.datasets import make_gbrbm
    >>> from skscore.energies import gbrbm
    >>> X, params = make_gbrbm(500, n_features=5, n_components=3, random_state=0)
    >>> X.shape, params["components"].shape
    ((500, 5), (3, 5))
    >>> float(round(-gbrbm.sm_terms(X, params).sum(axis=1).mean(), 1))
    2.4
    """
    if not 1 <= n_components <= 16:
        raise ValueError(
            "make_gbrbm sums over all 2**n_components hidden states; "
            f"n_components must be between 1 and 16, got {n_components}."
        )
    rng = check_random_state(random_state)
    W = rng.standard_normal((n_components, n_features)) * (
        weight_scale / np.sqrt(n_features)
    )
    c, b = rng.standard_normal(n_components), rng.standard_normal(n_features)
    states = np.array(list(itertools.product((0.0, 1.0), repeat=n_components)))
    means = states @ W
    log_p = states @ c + means @ b + 0.5 * np.einsum("ij,ij->i", means, means)
    p = np.exp(log_p - logsumexp(log_p))
    H = states[rng.choice(len(states), size=n_samples, p=p / p.sum())]
    X = visible_std * (b + H @ W + rng.standard_normal((n_samples, n_features)))
    params = {
        "components": W,
        "intercept_hidden": c,
        "intercept_visible": b,
        "log_visible_std": np.asarray(np.log(visible_std)),
    }
    return X, params
