"""Fixtures: CIFAR-10 look-alikes in the official formats, and the real data.

No test needs CIFAR-10 itself except those that say so by asking for
``real_cifar10_home``, which skips them when the data are not on the
machine. No test reaches the network: ``fetch_cifar10``'s address points at
a closed local port unless a test serves an archive itself.
"""

import hashlib
import os
from pathlib import Path

import pytest
from cifar10_files import make_splits, write_archive, write_batches, write_npz

from skscore import datasets

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def cifar10_splits():
    """Five training batches and a test batch of 100 generated images each."""
    return make_splits(100, seed=0)


@pytest.fixture(scope="session")
def cifar10_npz_home(tmp_path_factory, cifar10_splits):
    """A directory holding ``cifar10.npz``."""
    home = tmp_path_factory.mktemp("cifar10_npz")
    write_npz(home / "cifar10.npz", cifar10_splits)
    return home


@pytest.fixture(scope="session")
def cifar10_batches_home(tmp_path_factory, cifar10_splits):
    """A directory holding the official ``cifar-10-batches-py/``."""
    home = tmp_path_factory.mktemp("cifar10_batches")
    write_batches(home / datasets.CIFAR10_DIRECTORY, cifar10_splits)
    return home


@pytest.fixture(scope="session")
def cifar10_archive(tmp_path_factory, cifar10_batches_home):
    """The batches packed as ``cifar-10-python.tar.gz``, and its SHA-256."""
    path = write_archive(
        tmp_path_factory.mktemp("cifar10_archive") / "cifar-10-python.tar.gz",
        cifar10_batches_home / datasets.CIFAR10_DIRECTORY,
    )
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def _holds_cifar10(directory):
    return (directory / "cifar10.npz").is_file() or (
        directory / datasets.CIFAR10_DIRECTORY / "test_batch"
    ).is_file()


@pytest.fixture(scope="session")
def real_cifar10_home():
    """A directory holding the real CIFAR-10, or skip the test.

    Looked for in ``SKSCORE_DATA``, in the developers' shared data folder
    beside the repository, and in scikit-learn's data home (where
    ``fetch_cifar10`` puts it).
    """
    candidates = [ROOT.parent / "shared" / "data"]
    if os.environ.get("SKSCORE_DATA"):
        candidates.insert(0, Path(os.environ["SKSCORE_DATA"]))
    candidates.append(
        Path(os.environ.get("SCIKIT_LEARN_DATA", "~/scikit_learn_data")).expanduser()
    )
    for directory in candidates:
        if _holds_cifar10(directory):
            return directory
    pytest.skip(
        "the real CIFAR-10 is not on this machine (looked in "
        + ", ".join(map(str, candidates))
        + "): set SKSCORE_DATA to a directory holding it, or download it "
        "with skscore.datasets.fetch_cifar10()"
    )


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    # a closed port: any fetch a test does not serve itself fails at once
    monkeypatch.setattr(
        datasets,
        "_ARCHIVE",
        datasets._ARCHIVE._replace(url="http://127.0.0.1:9/cifar-10-python.tar.gz"),
    )
