"""CIFAR-10 loading and fetching, on generated files in the official formats."""

import hashlib
import os
import pickle
import shutil

import numpy as np
import pytest
from cifar10_files import (
    OFFICIAL_GLOBALS,
    TRAIN_BATCHES,
    pickled_globals,
    python2_pickle,
    write_archive,
    write_batches,
)

from skscore import datasets
from skscore.datasets import _cifar10_loader, _download, fetch_cifar10, load_cifar10


def _expected(splits, subset):
    names = {"train": TRAIN_BATCHES, "test": ["test_batch"]}
    parts = ["train", "test"] if subset == "all" else [subset]
    names = [name for part in parts for name in names[part]]
    return (
        np.concatenate([splits[name][0] for name in names]),
        np.concatenate([splits[name][1] for name in names]),
    )


# -- reading the two layouts ---------------------------------------------------


@pytest.mark.parametrize("subset", ["train", "test", "all"])
@pytest.mark.parametrize("layout", ["npz", "batches"])
def test_both_layouts_give_the_generated_images(
    request, cifar10_splits, layout, subset
):
    home = request.getfixturevalue(f"cifar10_{layout}_home")
    bunch = load_cifar10(subset, data_home=home)
    X, y = _expected(cifar10_splits, subset)
    np.testing.assert_array_equal(bunch.data, X)
    np.testing.assert_array_equal(bunch.target, y)
    assert bunch.data.dtype == bunch.target.dtype == np.uint8
    assert list(bunch.target_names[:2]) == ["airplane", "automobile"]
    assert str(home) in bunch.DESCR
    X_only, y_only = load_cifar10(subset, data_home=home, return_X_y=True)
    np.testing.assert_array_equal(X_only, X)


def test_environment_variable_names_the_data_folder(monkeypatch, cifar10_npz_home):
    monkeypatch.setenv("SKSCORE_DATA", str(cifar10_npz_home))
    X, _ = load_cifar10("test", return_X_y=True)
    assert X.shape == (100, 3072)


def test_real_data_first_labels(real_cifar10_home):
    X, y = load_cifar10("test", data_home=real_cifar10_home, return_X_y=True)
    assert X.shape == (10000, 3072) and X.dtype == np.uint8
    assert list(y[:10]) == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]


def test_generated_batches_are_pickled_like_the_official_files(cifar10_batches_home):
    # Python 2 pickles (protocol 2) whose only globals are NumPy's array ones
    for name in [*TRAIN_BATCHES, "test_batch"]:
        raw = (cifar10_batches_home / datasets.CIFAR10_DIRECTORY / name).read_bytes()
        assert raw.startswith(b"\x80\x02}") and b"U\x04data" in raw
        assert pickled_globals(raw) == OFFICIAL_GLOBALS


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_batches_pickled_by_python_3_load(tmp_path, cifar10_splits, protocol):
    directory = tmp_path / datasets.CIFAR10_DIRECTORY
    directory.mkdir()
    for name in [*TRAIN_BATCHES, "test_batch"]:
        data, labels = cifar10_splits[name]
        batch = {"data": data, "labels": labels.tolist()}
        (directory / name).write_bytes(pickle.dumps(batch, protocol=protocol))
    if protocol == 2:  # Python 3 writes bytes at protocol 2 through _codecs
        with pytest.raises(ValueError, match="_codecs.encode"):
            load_cifar10("test", data_home=tmp_path)
        return
    X, y = load_cifar10("test", data_home=tmp_path, return_X_y=True)
    np.testing.assert_array_equal(X, cifar10_splits["test_batch"][0])


def test_missing_data_says_where_and_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="fetch_cifar10") as error:
        load_cifar10(data_home=tmp_path)
    message = str(error.value)
    assert "cifar10.npz" in message and "cifar-10-batches-py/" in message
    assert str(tmp_path) in message and "SKSCORE_DATA" in message
    with pytest.raises(ValueError, match="subset"):
        load_cifar10("validation", data_home=tmp_path)


# -- no code from a data file ---------------------------------------------------


class _Payload:
    """Creates a file when unpickled: what a crafted batch file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _copy_batches(source, tmp_path):
    shutil.copytree(
        source / datasets.CIFAR10_DIRECTORY, tmp_path / datasets.CIFAR10_DIRECTORY
    )
    return tmp_path / datasets.CIFAR10_DIRECTORY


@pytest.mark.parametrize("where", ["file", "data", "labels"])
def test_crafted_pickle_is_refused_and_never_runs(
    tmp_path, cifar10_batches_home, where
):
    marker = tmp_path / "payload_ran"
    directory = _copy_batches(cifar10_batches_home, tmp_path / "home")
    # the payload is live: an ordinary pickle.load runs it
    pickle.loads(pickle.dumps(_Payload(marker)))
    assert marker.exists()
    marker.unlink()
    data = np.zeros((3, 3072), np.uint8)
    crafted = {
        "file": _Payload(marker),
        "data": {b"data": _Payload(marker), b"labels": [0, 1, 2]},
        "labels": {b"data": data, b"labels": [0, _Payload(marker), 2]},
    }[where]
    (directory / "data_batch_3").write_bytes(pickle.dumps(crafted, protocol=2))
    with pytest.raises(ValueError, match="refused to load the global") as error:
        load_cifar10("train", data_home=directory.parent)
    assert str(directory / "data_batch_3") in str(error.value)
    assert not marker.exists()


def test_test_subset_reads_only_the_test_batch(tmp_path, cifar10_batches_home):
    marker = tmp_path / "payload_ran"
    directory = _copy_batches(cifar10_batches_home, tmp_path / "home")
    for name in TRAIN_BATCHES:
        (directory / name).write_bytes(pickle.dumps(_Payload(marker)))
    X, _ = load_cifar10("test", data_home=directory.parent, return_X_y=True)
    assert X.shape == (100, 3072) and not marker.exists()


def test_npz_test_subset_reads_only_the_test_arrays(tmp_path, cifar10_splits):
    X, y = cifar10_splits["test_batch"]
    # training arrays that would fail every check: they are never read
    np.savez(
        tmp_path / "cifar10.npz",
        X_train=np.zeros((2, 5)),
        y_train=[-1, 300],
        X_test=X,
        y_test=y,
    )
    np.testing.assert_array_equal(load_cifar10("test", data_home=tmp_path).data, X)


# -- every file is checked, and named when it is wrong --------------------------

_N = 6
_GOOD_X = np.zeros((_N, 3072), np.uint8)
_GOOD_Y = np.arange(_N) % 10
_BAD = {
    "images as (N, 32, 32, 3)": (
        _GOOD_X.reshape(_N, 32, 32, 3),
        _GOOD_Y,
        r"shape \(n_images, 3072\)",
    ),
    "1,000 columns": (np.zeros((_N, 1000), np.uint8), _GOOD_Y, "shape"),
    "float images": (_GOOD_X.astype(np.float64), _GOOD_Y, "uint8"),
    "int64 images": (_GOOD_X.astype(np.int64), _GOOD_Y, "uint8"),
    "label -1": (_GOOD_X, np.array([0, 1, -1, 2, 3, 4]), r"0 to 9, found \[-1\]"),
    "label 300": (_GOOD_X, np.array([0, 1, 300, 2, 3, 4]), r"0 to 9, found \[300\]"),
    "label 10": (_GOOD_X, np.full(_N, 10), r"0 to 9, found \[10\]"),
    "float labels": (_GOOD_X, _GOOD_Y + 0.5, "integers"),
    "fewer labels": (_GOOD_X, _GOOD_Y[:-1], "6 images .* but 5 labels"),
}


def _write_bad(layout, home, X, y, cifar10_splits):
    """A data folder whose training data are (X, y); return the bad file."""
    if layout == "npz":
        test_X, test_y = cifar10_splits["test_batch"]
        path = home / "cifar10.npz"
        np.savez(path, X_train=X, y_train=y, X_test=test_X, y_test=test_y)
        return path
    splits = {**cifar10_splits, "data_batch_2": (X, y)}
    directory = write_batches(home / datasets.CIFAR10_DIRECTORY, splits)
    # labels as the official files store them: a list of Python numbers
    (directory / "data_batch_2").write_bytes(
        python2_pickle({"data": X, "labels": np.asarray(y).tolist()})
    )
    return directory / "data_batch_2"


@pytest.mark.parametrize("case", list(_BAD))
@pytest.mark.parametrize("layout", ["npz", "batches"])
def test_bad_data_are_refused_naming_the_file(tmp_path, cifar10_splits, layout, case):
    X, y, message = _BAD[case]
    path = _write_bad(layout, tmp_path, X, y, cifar10_splits)
    with pytest.raises(ValueError, match=message) as error:
        load_cifar10("train", data_home=tmp_path)
    assert str(path) in str(error.value)


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize(
    "damage", [_truncate, lambda path: path.write_bytes(b""), "garbage"]
)
@pytest.mark.parametrize("layout", ["npz", "batches"])
def test_unreadable_files_are_named(
    tmp_path, request, cifar10_npz_home, cifar10_batches_home, layout, damage
):
    if layout == "npz":
        path = tmp_path / "cifar10.npz"
        shutil.copy(cifar10_npz_home / "cifar10.npz", path)
    else:
        path = _copy_batches(cifar10_batches_home, tmp_path) / "test_batch"
    if damage == "garbage":
        path.write_bytes(os.urandom(1000))
    else:
        damage(path)
    with pytest.raises(ValueError, match="not valid CIFAR-10 data") as error:
        load_cifar10("test", data_home=tmp_path)
    assert str(path) in str(error.value)


def test_npz_without_the_arrays_is_named(tmp_path):
    np.savez(tmp_path / "cifar10.npz", X_train=_GOOD_X, y_train=_GOOD_Y)
    with pytest.raises(ValueError, match="no array X_test, y_test"):
        load_cifar10("all", data_home=tmp_path)


def test_npz_of_objects_is_refused(tmp_path):
    # arrays of Python objects would be unpickled: np.load must not
    np.savez(
        tmp_path / "cifar10.npz",
        X_train=np.array([_Payload(tmp_path / "ran")], dtype=object),
        y_train=_GOOD_Y,
        X_test=_GOOD_X,
        y_test=_GOOD_Y,
    )
    with pytest.raises(ValueError, match="cifar10.npz"):
        load_cifar10("train", data_home=tmp_path)
    assert not (tmp_path / "ran").exists()


# -- fetch_cifar10 from a local server ------------------------------------------


def test_fetch_downloads_checks_extracts_and_then_reads_locally(
    tmp_path, cifar10_server, cifar10_splits
):
    home = tmp_path / "data_home"
    bunch = fetch_cifar10("test", data_home=home)
    X, y = _expected(cifar10_splits, "test")
    np.testing.assert_array_equal(bunch.data, X)
    np.testing.assert_array_equal(bunch.target, y)
    # the batch files only: no archive, no temporary file
    assert [p.name for p in home.iterdir()] == [datasets.CIFAR10_DIRECTORY]
    assert sorted(p.name for p in (home / datasets.CIFAR10_DIRECTORY).iterdir()) == [
        "batches.meta",
        *TRAIN_BATCHES,
        "test_batch",
    ]
    X_all, _ = fetch_cifar10("all", data_home=home, return_X_y=True)
    train = fetch_cifar10("train", data_home=home, download_if_missing=False)
    assert X_all.shape == (600, 3072) and train.data.shape == (500, 3072)
    assert cifar10_server.requests == 1
    # load_cifar10 finds it in the same data home
    np.testing.assert_array_equal(load_cifar10("test", data_home=home).data, X)


def test_fetch_uses_scikit_learns_data_home(tmp_path, monkeypatch, cifar10_server):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "sk"))
    monkeypatch.delenv("SKSCORE_DATA", raising=False)
    fetch_cifar10("test")
    assert (tmp_path / "sk" / datasets.CIFAR10_DIRECTORY / "test_batch").is_file()
    assert load_cifar10("test").data.shape == (100, 3072)


def test_checksum_mismatch_keeps_nothing(tmp_path, cifar10_server, monkeypatch):
    monkeypatch.setattr(
        _cifar10_loader,
        "_ARCHIVE",
        _cifar10_loader._ARCHIVE._replace(sha256="0" * 64),
    )
    with pytest.raises(OSError, match="SHA-256 checksum .* not the expected 0000"):
        fetch_cifar10(data_home=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_download_keeps_nothing_and_a_retry_succeeds(
    tmp_path, cifar10_server
):
    cifar10_server.truncate = 1
    with pytest.raises(OSError, match="connection closed after .* bytes"):
        fetch_cifar10(data_home=tmp_path, n_retries=0)
    assert list(tmp_path.iterdir()) == []
    cifar10_server.truncate = 1
    with pytest.warns(UserWarning, match="Retry downloading"):
        X, _ = fetch_cifar10(
            "test", data_home=tmp_path, n_retries=1, delay=0, return_X_y=True
        )
    assert X.shape == (100, 3072) and cifar10_server.requests == 3


def test_no_network(tmp_path):
    with pytest.raises(OSError, match="download_if_missing is False") as error:
        fetch_cifar10(data_home=tmp_path, download_if_missing=False)
    assert "load_cifar10()" in str(error.value)
    # the autouse fixture points the address at a closed port
    with pytest.warns(UserWarning, match="Retry"):
        with pytest.raises(
            OSError, match=r"Could not download CIFAR-10 .* \(2 attempts\): .*refused"
        ) as error:
            fetch_cifar10(data_home=tmp_path, n_retries=1, delay=0)
    # one short error saying how to do without the network, no chained ones
    message = str(error.value)
    assert error.value.__cause__ is None and error.value.__suppress_context__
    assert f"{datasets.CIFAR10_DIRECTORY}/" in message and str(tmp_path) in message
    assert "load_cifar10()" in message and len(message) < 600
    assert list(tmp_path.iterdir()) == []


def test_fetch_reads_where_load_reads(tmp_path, monkeypatch, cifar10_npz_home):
    # one search path: SKSCORE_DATA before scikit-learn's data home
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "sk"))
    monkeypatch.setenv("SKSCORE_DATA", str(cifar10_npz_home))
    fetched = fetch_cifar10("test", download_if_missing=False, return_X_y=True)
    loaded = load_cifar10("test", return_X_y=True)
    np.testing.assert_array_equal(fetched[0], loaded[0])
    assert not (tmp_path / "sk" / datasets.CIFAR10_DIRECTORY).exists()


def test_fetch_downloads_into_skscore_data(tmp_path, monkeypatch, cifar10_server):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "sk"))
    monkeypatch.setenv("SKSCORE_DATA", str(tmp_path / "mine"))
    fetch_cifar10("test")
    assert (tmp_path / "mine" / datasets.CIFAR10_DIRECTORY / "test_batch").is_file()
    assert not (tmp_path / "sk" / datasets.CIFAR10_DIRECTORY).exists()
    assert load_cifar10("test").data.shape == (100, 3072)


def test_download_reports_progress(tmp_path, cifar10_server, monkeypatch, capsys):
    # chunks of a fiftieth of the archive: each tenth is passed by its own chunk
    size = _cifar10_loader._ARCHIVE.size
    monkeypatch.setattr(_download, "_CHUNK_BYTES", size // 50 + 1)
    fetch_cifar10("test", data_home=tmp_path)
    first, *progress, last = capsys.readouterr().err.splitlines()
    mib = size / 2**20
    assert first.startswith(f"Downloading CIFAR-10 ({mib:.1f} MiB) from http")
    assert [int(line.split("(")[1].split("%")[0]) for line in progress] == list(
        range(10, 101, 10)
    )
    assert progress[-1].startswith(f"  {mib:.1f} of {mib:.1f} MiB (100%)")
    assert last.startswith("Extracting cifar-10-python.tar.gz into")


def test_interrupted_extraction_leaves_no_directory(
    tmp_path, cifar10_server, monkeypatch
):
    copy = shutil.copyfileobj
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return copy(*args, **kwargs)

    monkeypatch.setattr(shutil, "copyfileobj", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch_cifar10(data_home=tmp_path)
    # the verified archive is kept under its name, nothing half-extracted is
    assert [p.name for p in tmp_path.iterdir()] == ["cifar-10-python.tar.gz"]
    monkeypatch.setattr(shutil, "copyfileobj", copy)
    fetch_cifar10("test", data_home=tmp_path)  # extracts without downloading
    assert cifar10_server.requests == 1
    assert [p.name for p in tmp_path.iterdir()] == [datasets.CIFAR10_DIRECTORY]


def test_what_a_killed_fetch_left_is_cleaned_up(tmp_path, cifar10_server):
    # a partial download and a partial extraction, as SIGKILL leaves them
    (tmp_path / ".cifar-10-python.tar.gz.abc123.tmp").write_bytes(b"partial")
    partial = tmp_path / ".cifar-10-batches-py.xyz789.tmp" / "cifar-10-batches-py"
    partial.mkdir(parents=True)
    (partial / "data_batch_1").write_bytes(b"partial")
    fetch_cifar10("test", data_home=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [datasets.CIFAR10_DIRECTORY]


def test_corrupt_archive_with_the_right_checksum_is_named(
    tmp_path, cifar10_server, monkeypatch, cifar10_batches_home
):
    # an archive lacking the test batch: refused, nothing extracted
    partial = _copy_batches(cifar10_batches_home, tmp_path / "source")
    (partial / "test_batch").unlink()
    archive = write_archive(tmp_path / "partial.tar.gz", partial)
    cifar10_server.payload = archive.read_bytes()
    monkeypatch.setattr(
        _cifar10_loader,
        "_ARCHIVE",
        _cifar10_loader._ARCHIVE._replace(
            sha256=hashlib.sha256(cifar10_server.payload).hexdigest(),
            size=len(cifar10_server.payload),
        ),
    )
    home = tmp_path / "home"
    with pytest.raises(ValueError, match="lacks .*test_batch"):
        fetch_cifar10(data_home=home)
    assert [p.name for p in home.iterdir()] == ["cifar-10-python.tar.gz"]


def test_incomplete_directory_is_not_overwritten(tmp_path, cifar10_server):
    (tmp_path / datasets.CIFAR10_DIRECTORY).mkdir()
    with pytest.raises(OSError, match="lacks some of the CIFAR-10 batch files"):
        fetch_cifar10(data_home=tmp_path)
    assert cifar10_server.requests == 0


def test_fetch_parameters_are_validated(tmp_path):
    with pytest.raises(ValueError, match="n_retries"):
        fetch_cifar10(data_home=tmp_path, n_retries=-1)
    with pytest.raises(ValueError, match="subset"):
        fetch_cifar10("validation", data_home=tmp_path)
