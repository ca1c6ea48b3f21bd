"""Data sets: CIFAR-10, natural image patches, synthetic GBRBM data."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import itertools
import os
import pickle
import shutil
import sys
import tarfile
import tempfile
import time
import warnings
import zlib
from collections import namedtuple
from numbers import Integral, Real
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import numpy as np
from scipy.special import logsumexp
from sklearn.datasets import get_data_home, load_sample_images
from sklearn.feature_extraction.image import extract_patches_2d
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from . import _io
from ._validation import check_allocation, refuse_boolean_counts

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

_N_FEATURES = 3 * 32 * 32
_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
_TEST_BATCHES = ("test_batch",)
#: the directory the official archive unpacks to, where fetch_cifar10 keeps it
CIFAR10_DIRECTORY = "cifar-10-batches-py"

_RemoteFile = namedtuple("_RemoteFile", ["filename", "url", "sha256", "size"])

# The official "CIFAR-10 python version" (https://www.cs.toronto.edu/~kriz/cifar.html).
# SHA-256 as published with Keras' cifar10.load_data (get_file's file_hash);
# the same archive's MD5, c58f30108f718f92721af3b95e74349a, is the one
# torchvision's CIFAR10 checks. Tests point ``url`` at a local server.
_ARCHIVE = _RemoteFile(
    filename="cifar-10-python.tar.gz",
    url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    size=170_498_071,
)
# members of the archive that are extracted; anything else in it is ignored
_ARCHIVE_MEMBERS = (*_TRAIN_BATCHES, *_TEST_BATCHES, "batches.meta", "readme.html")
#: the most bytes a member may hold: a batch of 10,000 images is 30.7 MB of
#: pixels plus its labels and the pickle's framing (31.0 MB in the archive),
#: so a larger member is not CIFAR-10's and is not written to disk
_MAX_MEMBER_BYTES = 32 * 2**20


def _data_error(path, problem):
    return ValueError(f"{path} is not valid CIFAR-10 data: {problem}")


def _check_split(X, y, path, names=("data", "labels")):
    """Validate one split's images and labels; labels are returned as uint8."""
    if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[1] != _N_FEATURES:
        shape = getattr(X, "shape", type(X).__name__)
        raise _data_error(
            path, f"{names[0]} must have shape (n_images, {_N_FEATURES}), got {shape}"
        )
    if X.dtype != np.uint8:
        raise _data_error(path, f"{names[0]} must be uint8 pixels, got {X.dtype}")
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise _data_error(
            path,
            f"{names[1]} must be a 1-d array of integers, got {y.dtype} "
            f"of shape {y.shape}",
        )
    if len(y) != len(X):
        raise _data_error(
            path, f"{len(X)} images ({names[0]}) but {len(y)} labels ({names[1]})"
        )
    # checked before the cast to uint8, which would wrap -1 to 255
    bad = (y < 0) | (y > 9)
    if bad.any():
        raise _data_error(
            path,
            f"{names[1]} must be 0 to 9, found {np.unique(y[bad])[:5].tolist()}",
        )
    return X, y.astype(np.uint8)


def _read_npz(path, parts):
    """The (X, y) pairs of ``parts`` ("train", "test") in ``cifar10.npz``."""
    names = [(f"X_{part}", f"y_{part}") for part in parts]
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [n for pair in names for n in pair if n not in data.files]
            arrays = [] if missing else [(data[x], data[y]) for x, y in names]
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except Exception as exc:  # BadZipFile, EOFError, zlib.error, ...: unreadable
        raise _data_error(
            path, f"{type(exc).__name__}: {exc} (truncated or not an npz file?)"
        ) from exc
    if missing:
        raise _data_error(path, f"no array {', '.join(missing)}")
    return [
        _check_split(X, y, path, pair)
        for (X, y), pair in zip(arrays, names, strict=True)
    ]


def _array_reconstructor():
    # the function NumPy pickles arrays with, wherever this NumPy keeps it
    return np.empty(0).__reduce__()[0]


def _frombuffer():
    return np.empty(0).__reduce_ex__(5)[0]


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays, dicts, lists, strings and numbers, nothing else.

    The official batch files are Python 2 pickles of dicts holding a uint8
    array (``numpy.core.multiarray._reconstruct``, ``numpy.ndarray``,
    ``numpy.dtype``), a list of labels and strings. Any other global, such as
    the callable of a crafted ``__reduce__``, is refused before it is
    looked up, so loading a file never runs code from it.
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _array_reconstructor(),
        ("numpy._core.multiarray", "_reconstruct"): _array_reconstructor(),
        # in-band arrays of pickle protocol 5 (Python 3.14's default)
        ("numpy.core.numeric", "_frombuffer"): _frombuffer(),
        ("numpy._core.numeric", "_frombuffer"): _frombuffer(),
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }

    def find_class(self, module, name):
        try:
            return self._ALLOWED[module, name]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refused to load the global {module}.{name}: a CIFAR-10 batch "
                "file holds only NumPy arrays, lists, strings and numbers"
            ) from None


def _read_batch(path):
    """The images and labels of one official batch file, validated."""
    try:
        with open(path, "rb") as f:
            batch = _BatchUnpickler(f, encoding="bytes").load()
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except Exception as exc:  # UnpicklingError, EOFError, ...: unreadable
        raise _data_error(
            path, f"{type(exc).__name__}: {exc} (truncated or not a batch file?)"
        ) from exc
    if not isinstance(batch, dict):
        raise _data_error(path, f"a batch file holds a dict, not {type(batch)}")
    values = {}
    for key in ("data", "labels"):
        for stored in (key.encode(), key):  # Python 2 files have bytes keys
            if stored in batch:
                values[key] = batch[stored]
                break
        else:
            raise _data_error(path, f"no {key!r} entry")
    return _check_split(values["data"], values["labels"], path)


def _read_batches(directory, parts):
    """The (X, y) pairs of ``parts``, reading only those parts' batch files."""
    splits = []
    for part in parts:
        files = _TRAIN_BATCHES if part == "train" else _TEST_BATCHES
        batches = [_read_batch(directory / name) for name in files]
        splits.append(
            (
                np.concatenate([X for X, _ in batches]),
                np.concatenate([y for _, y in batches]),
            )
        )
    return splits


def _candidate_homes(data_home):
    """The directories searched for CIFAR-10, in order; the first is fetched into."""
    if data_home is not None:
        return [Path(data_home)]
    homes = [Path(os.environ["SKSCORE_DATA"])] if os.environ.get("SKSCORE_DATA") else []
    return homes + [Path(get_data_home())]


def _find(homes):
    """The first ``cifar10.npz`` or ``cifar-10-batches-py/`` in ``homes``, or None."""
    for home in homes:
        if (home / "cifar10.npz").is_file():
            return home / "cifar10.npz"
        if (home / CIFAR10_DIRECTORY / "test_batch").is_file():
            return home / CIFAR10_DIRECTORY
    return None


def _read(source, subset):
    """The (X, y) pairs of ``subset`` from what :func:`_find` found."""
    if source.name == "cifar10.npz":
        return _read_npz(source, _parts(subset))
    return _read_batches(source, _parts(subset))


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


def _parts(subset):
    return ["train", "test"] if subset == "all" else [subset]


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
    source = _find(homes)
    if source is None:
        raise FileNotFoundError(
            "CIFAR-10 was not found in "
            + ", ".join(str(home) for home in homes)
            + ". Download it with skscore.datasets.fetch_cifar10() (into "
            f"{homes[0] / CIFAR10_DIRECTORY}). " + _how_to_place_the_files(homes)
        )
    return _bunch(_read(source, subset), subset, return_X_y, source)


def _is_complete(directory):
    return all((directory / name).is_file() for name in _TRAIN_BATCHES + _TEST_BATCHES)


class _IncompleteDownload(OSError):
    """The server closed the connection before sending the whole file."""


_RETRIED = (URLError, TimeoutError, ConnectionError, http.client.HTTPException)


#: bytes read from the connection at a time
_CHUNK_BYTES = 1 << 20


def _progress(total):
    """A function of the bytes received so far, writing a line to standard
    error each time the download passes a tenth of ``total`` bytes."""
    start, tenths = time.perf_counter(), [0]

    def report(received):
        tenth = 10 * received // total
        if tenth > tenths[0]:
            tenths[0] = tenth
            seconds = time.perf_counter() - start
            print(
                f"  {received / 2**20:.1f} of {total / 2**20:.1f} MiB "
                f"({100 * received // total}%), {seconds:.0f}s",
                file=sys.stderr,
                flush=True,
            )

    return report


def _download(remote, data_home, n_retries, delay):
    """Download ``remote`` into ``data_home``, checked; return its path.

    The bytes go to a temporary file, are hashed on the way, flushed to disk
    and renamed to the archive's name only when the SHA-256 matches: no
    partial or corrupted archive is ever left under that name. A line on
    standard error says what is downloaded, then one at every tenth.
    """
    path = data_home / remote.filename
    for attempt in range(n_retries + 1):
        try:
            with _io.atomic_writer(path) as f, urlopen(remote.url, timeout=60) as r:
                expected = r.headers.get("Content-Length")
                if remote.size is not None and expected not in (None, str(remote.size)):
                    raise OSError(
                        f"{remote.url} announces {expected} bytes, while the "
                        f"CIFAR-10 archive has {remote.size}: not the expected file"
                    )
                total = remote.size or int(expected or 0)
                print(
                    f"Downloading CIFAR-10 ({total / 2**20:.1f} MiB) from "
                    f"{remote.url} into {data_home}",
                    file=sys.stderr,
                    flush=True,
                )
                progress = _progress(total) if total else (lambda received: None)
                digest, received = hashlib.sha256(), 0
                while chunk := r.read(_CHUNK_BYTES):
                    received += len(chunk)
                    # without a Content-Length, the archive's known size
                    # bounds what is written to disk
                    if remote.size is not None and received > remote.size:
                        raise OSError(
                            f"{remote.url} sent more than the {remote.size} bytes "
                            "of the CIFAR-10 archive: not the expected file. "
                            "Nothing was kept."
                        )
                    f.write(chunk)
                    digest.update(chunk)
                    progress(received)
                if expected is not None and received != int(expected):
                    raise _IncompleteDownload(
                        f"the connection closed after {received} of {expected} bytes"
                    )
                if digest.hexdigest() != remote.sha256:
                    raise OSError(
                        f"The file downloaded from {remote.url} has the SHA-256 "
                        f"checksum {digest.hexdigest()}, not the expected "
                        f"{remote.sha256}: it was not kept. The download may "
                        "have been corrupted, or the server altered the file."
                    )
            return path
        except (*_RETRIED, _IncompleteDownload) as exc:
            if attempt == n_retries:
                # one exception: the cause's own words, not its traceback
                raise OSError(
                    f"Could not download CIFAR-10 from {remote.url} "
                    f"({n_retries + 1} attempt{'s' if n_retries else ''}): {exc}. "
                    + _how_to_place_the_files([data_home])
                ) from None
            warnings.warn(f"Retry downloading from url: {remote.url} ({exc})")
            time.sleep(delay)


def _extract(archive, data_home):
    """Unpack the batch files of ``archive`` into ``data_home``, atomically.

    Only the expected regular files of ``cifar-10-batches-py/`` are copied
    out (never links, devices or other paths), into a temporary directory
    that is renamed into place once complete.
    """
    temporary = Path(
        tempfile.mkdtemp(
            dir=data_home, prefix=f".{CIFAR10_DIRECTORY}.", suffix=_io.TEMPORARY_SUFFIX
        )
    )
    try:
        target = temporary / CIFAR10_DIRECTORY
        target.mkdir()
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                directory, _, name = member.name.partition("/")
                if (
                    directory != CIFAR10_DIRECTORY
                    or name not in _ARCHIVE_MEMBERS
                    or not member.isfile()
                ):
                    continue
                if member.size > _MAX_MEMBER_BYTES:
                    raise _data_error(
                        archive,
                        f"its member {member.name} holds {member.size} bytes, more "
                        f"than any file of CIFAR-10 ({_MAX_MEMBER_BYTES})",
                    )
                with tar.extractfile(member) as src, open(target / name, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                    dst.flush()
                    os.fsync(dst.fileno())
        if not _is_complete(target):
            missing = [
                n for n in _TRAIN_BATCHES + _TEST_BATCHES if not (target / n).exists()
            ]
            raise _data_error(archive, f"the archive lacks {missing}")
        os.rename(target, data_home / CIFAR10_DIRECTORY)
        _io._fsync_directory(data_home)
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise _data_error(archive, f"{type(exc).__name__}: {exc}") from exc
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _remove_stale_files(data_home):
    # what a killed fetch left: a partial download, a partial extraction
    _io.remove_stale_temporaries(data_home / _ARCHIVE.filename)
    for stale in data_home.glob(f".{CIFAR10_DIRECTORY}.*{_io.TEMPORARY_SUFFIX}"):
        shutil.rmtree(stale, ignore_errors=True)


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
        The 50,000 training images, the 10,000 test images, or both (training
        first).

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
    source = _find(homes)
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
        data_home.mkdir(parents=True, exist_ok=True)
        with _io.locked(data_home):
            # another process may have fetched it while this one waited
            if not _is_complete(source):
                _remove_stale_files(data_home)
                archive = data_home / _ARCHIVE.filename
                if not (archive.is_file() and _sha256(archive) == _ARCHIVE.sha256):
                    _download(_ARCHIVE, data_home, n_retries, delay)
                print(f"Extracting the batch files into {source}", file=sys.stderr)
                _extract(archive, data_home)
                archive.unlink()
    elif source.is_dir() and not _is_complete(source):
        raise _incomplete(source)
    return _bunch(_read(source, subset), subset, return_X_y, source)


def _incomplete(directory):
    return OSError(
        f"{directory} exists but lacks some of the CIFAR-10 batch files "
        f"({', '.join(_TRAIN_BATCHES + _TEST_BATCHES)}); fetch_cifar10 "
        "never leaves such a directory: remove it to download again."
    )


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@validate_params(
    {
        "patch_size": [Interval(Integral, 1, None, closed="left")],
        "n_patches": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def load_sample_patches(
    patch_size: int = 8,
    n_patches: int = 10_000,
    *,
    random_state: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Grayscale patches of scikit-learn's two bundled sample photographs.

    Natural image patches for small experiments, with no file to fetch: equal
    numbers of random ``patch_size x patch_size`` patches from each image of
    :func:`sklearn.datasets.load_sample_images`, gray levels in [0, 1].

    Parameters
    ----------
    patch_size : int, default=8
        Side of the square patches, at most 427 (the height of the smaller
        photograph).

    n_patches : int, default=10_000
        Number of patches (rounded up to an even number), at most the number
        of positions in a photograph, twice.

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
    refuse_boolean_counts(
        "load_sample_patches", patch_size=patch_size, n_patches=n_patches
    )
    images = load_sample_images().images
    height = min(min(image.shape[:2]) for image in images)
    if patch_size > height:
        raise ValueError(
            f"patch_size={patch_size} is larger than the sample photographs "
            f"(the smaller side of the smaller is {height} pixels)."
        )
    # patches are drawn without replacement from each photograph's positions
    per_image = -(-n_patches // 2)
    n_positions = min(
        (image.shape[0] - patch_size + 1) * (image.shape[1] - patch_size + 1)
        for image in images
    )
    if per_image > n_positions:
        raise ValueError(
            f"n_patches={n_patches} asks for {per_image} patches per photograph, "
            f"which have only {n_positions} positions of {patch_size}x{patch_size} "
            "patches. Lower n_patches or patch_size."
        )
    check_allocation(
        2 * 8 * 2 * per_image * patch_size**2,
        f"n_patches={n_patches} patches of {patch_size}x{patch_size}",
        "Lower n_patches.",
    )
    rng = check_random_state(random_state)
    return np.vstack(
        [
            extract_patches_2d(
                image.mean(axis=2) / 255,
                (patch_size, patch_size),
                max_patches=per_image,
                random_state=rng,
            ).reshape(per_image, -1)
            for image in images
        ]
    )


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, 16, closed="both")],
        "weight_scale": [Interval(Real, 0, None, closed="left")],
        "visible_std": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_gbrbm(
    n_samples: int = 1000,
    n_features: int = 8,
    n_components: int = 4,
    *,
    weight_scale: float = 1.0,
    visible_std: float = 1.0,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
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
        Number of hidden units, at most 16: the samples are drawn from a sum
        over all ``2**n_components`` hidden states.

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
    refuse_boolean_counts(
        "make_gbrbm",
        n_samples=n_samples,
        n_features=n_features,
        n_components=n_components,
    )
    check_allocation(
        3 * 8 * n_samples * n_features,
        f"n_samples={n_samples} rows of n_features={n_features}",
        "Lower n_samples or n_features.",
    )
    rng = check_random_state(random_state)
    W = rng.standard_normal((n_components, n_features)) * (
        weight_scale / np.sqrt(n_features)
    )
    c, b = rng.standard_normal(n_components), rng.standard_normal(n_features)
    states = np.array(list(itertools.product((0.0, 1.0), repeat=n_components)))
    means = states @ W
    log_p = states @ c + means @ b + 0.5 * np.einsum("ij,ij->i", means, means)
    with np.errstate(over="ignore", invalid="ignore"):
        p = np.exp(log_p - logsumexp(log_p))
    if not np.isfinite(p).all():
        raise ValueError(
            f"weight_scale={weight_scale:.3g} overflows the hidden states' "
            "probabilities. Lower weight_scale."
        )
    H = states[rng.choice(len(states), size=n_samples, p=p / p.sum())]
    with np.errstate(over="ignore", invalid="ignore"):
        X = visible_std * (b + H @ W + rng.standard_normal((n_samples, n_features)))
    if not np.isfinite(X).all():
        raise ValueError(
            f"visible_std={visible_std:.3g} and weight_scale={weight_scale:.3g} "
            "overflow the samples. Lower them."
        )
    params = {
        "components": W,
        "intercept_hidden": c,
        "intercept_visible": b,
        "log_visible_std": np.asarray(np.log(visible_std)),
    }
    return X, params
