"""Data sets: CIFAR-10 from local files."""

import os
import pickle
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch

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
