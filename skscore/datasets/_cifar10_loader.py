"""CIFAR-10: ``load_cifar10`` reads a local copy, ``fetch_cifar10`` downloads it."""

import os
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._cifar10_reader import CIFAR10_DIRECTORY, TEST_BATCHES, TRAIN_BATCHES, find, read
from ._download import RemoteArchive, fetch, is_extracted

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

# The official "CIFAR-10 python version" (https://www.cs.toronto.edu/~kriz/cifar.html).
# SHA-256 as published with Keras' cifar10.load_data (get_file's file_hash);
# the same archive's MD5, c58f30108f718f92721af3b95e74349a, is the one
# torchvision's CIFAR10 checks. Tests point ``url`` at a local server.
_ARCHIVE = RemoteArchive(
    name="CIFAR-10",
    filename="cifar-10-python.tar.gz",
    url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    size=170_498_071,
    directory=CIFAR10_DIRECTORY,
    members=(*TRAIN_BATCHES, *TEST_BATCHES, "batches.meta", "readme.html"),
    required=TRAIN_BATCHES + TEST_BATCHES,
    # a batch of 10,000 images is 30.7 MB of pixels plus its labels and the
    # pickle's framing (31.0 MB in the archive), so a larger member is not
    # CIFAR-10's and is not written to disk
    max_member_bytes=32 * 2**20,
)


def _candidate_homes(data_home):
    """The directories searched for CIFAR-10, in order; the first is fetched into."""
    if data_home is not None:
        return [Path(data_home)]
    homes = [Path(os.environ["SKSCORE_DATA"])] if os.environ.get("SKSCORE_DATA") else []
    return homes + [Path(get_data_home())]


def _how_to_place_the_files(homes):
    """Where to put CIFAR-10 by hand, for the messages of a missing data set."""
    return (
        f"To place it by hand, download {_ARCHIVE.filename} "
        f"({_ARCHIVE.size / 2**20:.0f} MiB, from "
        "https://www.cs.toronto.edu/~kriz/cifar.html) and unpack it into "
        + " or ".join(str(home) for home in homes)
        + f", which gives {CIFAR10_DIRECTORY}/ there (or put cifar10.npz, "
        "arrays X_train, y_train, X_test, y_test, there); data_home= or "
        "SKSCORE_DATA name another directory. Then load it with "
        "skscore.datasets.load_cifar10()."
    )


def _bunch(splits, subset, return_X_y, source):
    data = np.concatenate([X for X, _ in splits])
    target = np.concatenate([y for _, y in splits])
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        target_names=_LABEL_NAMES.copy(),
        DESCR=(
            "CIFAR-10 (Krizhevsky, 2009): 32x32 colour images in 10 classes, "
            f"{subset} subset, {len(data)} images, rows in CIFAR's channel-first "
            f"layout, read from {source}."
        ),
    )


_DATA_HOME = [str, os.PathLike, None]


@validate_params(
    {
        "subset": [StrOptions({"train", "test", "all"})],
        "data_home": _DATA_HOME,
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_cifar10(
    subset: str = "train",
    *,
    data_home: str | os.PathLike | None = None,
    return_X_y: bool = False,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load CIFAR-10 from a local copy; nothing is downloaded.

    It reads ``cifar10.npz`` (arrays ``X_train``, ``y_train``, ``X_test``,
    ``y_test``) or the official "CIFAR-10 python version" directory
    ``cifar-10-batches-py/`` (pickled ``data_batch_1`` to ``data_batch_5`` and
    ``test_batch``, as :func:`fetch_cifar10` downloads it), looked for in
    ``data_home``, else in the directory named by the environment variable
    ``SKSCORE_DATA``, else in scikit-learn's data home
    (:func:`sklearn.datasets.get_data_home`).

    The batch files are read by an unpickler that accepts only the NumPy
    arrays, lists, strings and numbers the official files hold, so a crafted
    file cannot run code; only the files of ``subset`` are read. Every file
    is checked: images of shape (n_images, 3072) and dtype uint8, integer
    labels from 0 to 9, as many labels as images.

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
        When neither file is found, saying where to put which and how to
        download them.

    ValueError
        When a file is truncated, unreadable or holds data of the wrong
        shape, type or label range; the message names the file.

    See Also
    --------
    fetch_cifar10 : Load CIFAR-10, downloading it the first time.

    Examples
    --------
    A small file in the format of ``cifar10.npz`` stands in for CIFAR-10
    here; with the real data in ``data_home`` (or where
    :func:`fetch_cifar10` puts it) the calls are the same.

    >>> from pathlib import Path
    >>> from tempfile import TemporaryDirectory
    >>> import numpy as np
    >>> from skscore.datasets import load_cifar10
    >>> rng = np.random.default_rng(0)
    >>> home = TemporaryDirectory()
    >>> np.savez(
    ...     Path(home.name) / "cifar10.npz",
    ...     X_train=rng.integers(0, 256, (50, 3072), dtype=np.uint8),
    ...     y_train=rng.integers(0, 10, 50),
    ...     X_test=rng.integers(0, 256, (20, 3072), dtype=np.uint8),
    ...     y_test=np.arange(20) % 10,
    ... )
    >>> X, y = load_cifar10("test", data_home=home.name, return_X_y=True)
    >>> X.shape, X.dtype
    ((20, 3072), dtype('uint8'))
    >>> cifar = load_cifar10("all", data_home=home.name)
    >>> cifar.data.shape, cifar.target_names[y[3]]
    ((70, 3072), np.str_('cat'))
    >>> home.cleanup()
    """
    homes = _candidate_homes(data_home)
    source = find(homes)
    if source is None:
        raise FileNotFoundError(
            "CIFAR-10 was not found in "
            + ", ".join(str(home) for home in homes)
            + ". Download it with skscore.datasets.fetch_cifar10() (into "
            f"{homes[0] / CIFAR10_DIRECTORY}). " + _how_to_place_the_files(homes)
        )
    return _bunch(read(source, subset), subset, return_X_y, source)


@validate_params(
    {
        "subset": [StrOptions({"train", "test", "all"})],
        "data_home": _DATA_HOME,
        "download_if_missing": ["boolean"],
        "return_X_y": ["boolean"],
        "n_retries": [Interval(Integral, 0, None, closed="left")],
        "delay": [Interval(Real, 0.0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def fetch_cifar10(
    subset: str = "train",
    *,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    n_retries: int = 3,
    delay: float = 1.0,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load CIFAR-10, downloading it the first time.

    CIFAR-10 is looked for where :func:`load_cifar10` looks: in
    ``data_home``, else in the directory named by the environment variable
    ``SKSCORE_DATA``, else in scikit-learn's data home, as ``cifar10.npz``
    or ``cifar-10-batches-py/``. Where none of them holds it, the official
    "CIFAR-10 python version" archive (163 MB, from
    https://www.cs.toronto.edu/~kriz/cifar.html) is downloaded into the
    first of these directories, with progress lines on standard error, its
    SHA-256 checksum checked against the published one before anything is
    unpacked, and its batch files extracted into
    ``<directory>/cifar-10-batches-py/``; the archive is then deleted. The
    download goes to a temporary file and the extraction to a temporary
    directory, each renamed into place only when complete, so an interrupted
    fetch never leaves a partial file or directory behind, and concurrent
    fetches into the same directory wait for each other. The files are then
    read as :func:`load_cifar10` reads them: with an unpickler that cannot
    run code, and checked.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which images, as for :func:`load_cifar10`: the 50,000 training images,
        the 10,000 test images, or both (training first).

    data_home : str or path-like, default=None
        Where to look for the data and keep them. None means ``SKSCORE_DATA``
        when set (downloading there), then scikit-learn's data home,
        ``~/scikit_learn_data`` or the directory named by the environment
        variable ``SCIKIT_LEARN_DATA`` (see
        :func:`sklearn.datasets.get_data_home`).

    download_if_missing : bool, default=True
        If False, raise an ``OSError`` when the data are not found instead of
        downloading them.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    n_retries : int, default=3
        Number of retries when the download fails (HTTP or network error,
        connection closed early).

    delay : float, default=1.0
        Seconds between retries.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data``: uint8 array of shape (n_images, 3072), each row the red,
        green and blue 32x32 planes one after the other; ``target``: uint8
        labels 0 to 9; ``target_names``: the class names; ``DESCR``.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    OSError
        When the data are missing and ``download_if_missing`` is False, when
        the download fails after the retries (saying how to place a copy made
        elsewhere), or when the downloaded file's checksum differs from the
        official one (the file is then deleted).

    See Also
    --------
    load_cifar10 : Load CIFAR-10 from a local copy, never downloading.

    Examples
    --------
    >>> from skscore.datasets import fetch_cifar10
    >>> X, y = fetch_cifar10("test", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, X.dtype  # doctest: +SKIP
    ((10000, 3072), dtype('uint8'))
    """
    homes = _candidate_homes(data_home)
    source = find(homes)
    if source is None:
        data_home = homes[0]
        source = data_home / CIFAR10_DIRECTORY
        if source.exists():  # without test_batch
            raise _incomplete(source)
        if not download_if_missing:
            raise OSError(
                "CIFAR-10 is not in "
                + ", ".join(str(home) for home in homes)
                + " and download_if_missing is False. Call fetch_cifar10() "
                f"without it to download it into {source}. "
                + _how_to_place_the_files(homes)
            )
        fetch(
            _ARCHIVE,
            data_home,
            n_retries=n_retries,
            delay=delay,
            advice=_how_to_place_the_files([data_home]),
        )
    elif source.is_dir() and not is_extracted(_ARCHIVE, source):
        raise _incomplete(source)
    return _bunch(read(source, subset), subset, return_X_y, source)


def _incomplete(directory):
    return OSError(
        f"{directory} exists but lacks some of the CIFAR-10 batch files "
        f"({', '.join(TRAIN_BATCHES + TEST_BATCHES)}); fetch_cifar10 "
        "never leaves such a directory: remove it to download again."
    )
