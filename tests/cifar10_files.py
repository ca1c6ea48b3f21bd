"""Small CIFAR-10 look-alikes in the official file formats, for the tests.

``write_npz`` writes ``cifar10.npz`` (the layout of the developers' shared
copy), ``write_batches`` the official "CIFAR-10 python version" directory
``cifar-10-batches-py/``, and ``write_archive`` the ``.tar.gz`` the official
site serves. The batch files are pickled as the official ones are: Python 2
pickles (protocol 2) of dicts with byte-string keys, whose arrays refer to
``numpy.core.multiarray._reconstruct``, ``numpy.ndarray`` and
``numpy.dtype``, so the loader's restricted unpickler meets exactly the
globals of the real files.
"""

import io
import pickle
import struct
import tarfile

import numpy as np

LABEL_NAMES = [
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
TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
#: the globals the official batch files refer to
OFFICIAL_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


def make_images(n_images, rng):
    """Images of 10 classes: a class colour, smooth blobs and pixel noise."""
    labels = rng.integers(0, 10, n_images)
    colours = np.random.default_rng(1234).uniform(40, 215, size=(10, 3))
    coarse = rng.normal(0, 40, size=(n_images, 3, 8, 8))
    smooth = np.kron(coarse, np.ones((1, 1, 4, 4)))
    images = colours[labels][:, :, None, None] + smooth
    images += rng.normal(0, 12, size=images.shape)
    pixels = np.clip(np.rint(images), 0, 255).astype(np.uint8)
    return pixels.reshape(n_images, -1), labels


class _Python2Pickler(pickle._Pickler):
    """Pickles as Python 2's cPickle did: strings and bytes as byte strings."""

    dispatch = pickle._Pickler.dispatch.copy()

    def _save_byte_string(self, obj):
        if isinstance(obj, str):
            obj = obj.encode("latin-1")
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = _save_byte_string
    dispatch[str] = _save_byte_string

    def save_global(self, obj, name=None):
        if obj is np.empty(0).__reduce__()[0]:  # NumPy 1's module name
            self.write(pickle.GLOBAL + b"numpy.core.multiarray\n_reconstruct\n")
            self.memoize(obj)
        else:
            super().save_global(obj, name)


def python2_pickle(obj):
    """The bytes Python 2 would write for ``obj`` at protocol 2."""
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def pickled_globals(data):
    """The (module, name) pairs a pickle refers to."""
    import pickletools

    found = set()
    for opcode, arg, _ in pickletools.genops(data):
        if opcode.name == "GLOBAL":
            found.add(tuple(arg.split(" ", 1)))
    return found


def make_splits(n_per_batch=100, seed=0):
    """Five training batches and one test batch of ``n_per_batch`` images."""
    rng = np.random.default_rng(seed)
    return {
        name: make_images(n_per_batch, rng) for name in [*TRAIN_BATCHES, "test_batch"]
    }


def write_batches(directory, splits):
    """Write the official directory layout; return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, (data, labels) in splits.items():
        batch = {
            "batch_label": f"{name} of a generated CIFAR-10 look-alike",
            "labels": [int(label) for label in labels],
            "data": data,
            "filenames": [f"image_{name}_{i}.png" for i in range(len(data))],
        }
        (directory / name).write_bytes(python2_pickle(batch))
    (directory / "batches.meta").write_bytes(
        python2_pickle(
            {"label_names": LABEL_NAMES, "num_cases_per_batch": 100, "num_vis": 3072}
        )
    )
    return directory


def write_npz(path, splits):
    """Write the ``cifar10.npz`` layout; return its path."""
    X_train = np.concatenate([splits[name][0] for name in TRAIN_BATCHES])
    y_train = np.concatenate([splits[name][1] for name in TRAIN_BATCHES])
    np.savez(
        path,
        X_train=X_train,
        y_train=y_train.astype(np.uint8),
        X_test=splits["test_batch"][0],
        y_test=splits["test_batch"][1].astype(np.uint8),
        label_names=np.array(LABEL_NAMES),
    )
    return path


def write_archive(path, batches_directory):
    """Pack a batches directory as the official ``cifar-10-python.tar.gz``."""
    with tarfile.open(path, "w:gz") as tar:
        tar.add(batches_directory, arcname="cifar-10-batches-py")
    return path
