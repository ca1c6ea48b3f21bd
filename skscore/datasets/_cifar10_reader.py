"""Reading CIFAR-10 from disk: ``cifar10.npz`` or the official batch files.

Every file is checked (image shape and type, label range, as many labels as
images) and named in the error when it is wrong; the official batch files,
which are pickles, are read by an unpickler that can build nothing but the
arrays, lists, strings and numbers they hold.
"""

import pickle

import numpy as np

_N_FEATURES = 3 * 32 * 32
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCHES = ("test_batch",)
#: the directory the official archive unpacks to, where fetch_cifar10 keeps it
CIFAR10_DIRECTORY = "cifar-10-batches-py"


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
        files = TRAIN_BATCHES if part == "train" else TEST_BATCHES
        batches = [_read_batch(directory / name) for name in files]
        splits.append(
            (
                np.concatenate([X for X, _ in batches]),
                np.concatenate([y for _, y in batches]),
            )
        )
    return splits


def find(homes):
    """The first ``cifar10.npz`` or ``cifar-10-batches-py/`` in ``homes``, or None."""
    for home in homes:
        if (home / "cifar10.npz").is_file():
            return home / "cifar10.npz"
        if (home / CIFAR10_DIRECTORY / "test_batch").is_file():
            return home / CIFAR10_DIRECTORY
    return None


def read(source, subset):
    """The (X, y) pairs of ``subset`` from what :func:`find` found."""
    if source.name == "cifar10.npz":
        return _read_npz(source, _parts(subset))
    return _read_batches(source, _parts(subset))


def _parts(subset):
    return ["train", "test"] if subset == "all" else [subset]
