"""Files: downloads and extractions bounded, cache and results files checked."""

import http.server
import io
import json
import math
import tarfile

import _files
import numpy as np
import pytest
from _cifar10 import features, results

from skscore import datasets
from skscore.datasets import _cifar10_loader, _download


class _NoLengthHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.payload`` without a Content-Length, closing at its end."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.end_headers()
        self.wfile.write(self.server.payload)
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def no_length_server(archive_server):
    # more bytes than the archive's declared size, and no length announced
    return archive_server(_NoLengthHandler, b"x" * 5000, sha256="0" * 64, size=1000)


def test_a_download_without_content_length_stops_at_the_archives_size(
    tmp_path, no_length_server
):
    with pytest.raises(OSError, match="sent more than the 1000 bytes"):
        datasets.fetch_cifar10(data_home=tmp_path, n_retries=0)
    assert list(tmp_path.iterdir()) == []  # nothing kept, no temporary file


def test_an_archive_member_larger_than_any_cifar10_file_is_not_extracted(tmp_path):
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        data = b"\0" * 101
        member = tarfile.TarInfo(f"{datasets.CIFAR10_DIRECTORY}/data_batch_1")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    home = tmp_path / "home"
    home.mkdir()
    with pytest.raises(ValueError, match="data_batch_1 holds 101 bytes, more than"):
        _download.extract(
            _cifar10_loader._ARCHIVE._replace(max_member_bytes=100), archive, home
        )
    assert list(home.iterdir()) == []


def test_the_member_bound_holds_the_real_batches():
    # a batch: 10,000 rows of 3072 uint8 pixels, its labels and names
    pixels = 10_000 * 3 * 32 * 32
    assert pixels < _cifar10_loader._ARCHIVE.max_member_bytes - 2**20


def _parts(n_rows=(4, 2, 3), width=5):
    return [np.zeros((n, width), dtype=np.float32) for n in n_rows]


def test_write_cache_cleans_what_killed_writers_left(tmp_path):
    path = tmp_path / "row-abc.npz"
    stale = (
        tmp_path / f"{_files.temporary_name_prefix(path)}x1{_files.TEMPORARY_SUFFIX}"
    )
    stale.write_bytes(b"half a file")
    other = (
        tmp_path
        / f"{_files.temporary_name_prefix('other.npz')}x{_files.TEMPORARY_SUFFIX}"
    )
    other.write_bytes(b"another entry's")
    features.write_cache(path, {"a": 1}, _parts())
    assert not stale.exists()
    assert other.exists()  # another entry's writer may still be running
    assert features.read_cache(path, print, [4, 2, 3])[0] == {"a": 1}


@pytest.mark.parametrize(
    "n_rows, stored",
    [((4, 2, 3), _parts((4, 2, 2))), ((4, 2, 3), _parts()[:2] + [np.zeros((3, 6))])],
)
def test_cached_features_of_other_shapes_are_computed_again(tmp_path, n_rows, stored):
    path = tmp_path / "row.npz"
    features.write_cache(path, {"a": 1}, stored)
    messages = []
    assert features.read_cache(path, messages.append, n_rows) is None
    assert "shapes" in messages[0]


def test_results_are_written_as_strict_json(tmp_path):
    output = tmp_path / "r.json"
    rows = {"a": {"test_accuracy": math.nan, "C": math.inf, "n": [1.0, -math.inf]}}
    results.write_files(output, {"scale": {}, "rows": rows})
    text = output.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["rows"]["a"] == {
        "test_accuracy": None,
        "C": None,
        "n": [1.0, None],
    }


def test_a_results_path_ending_in_md_is_refused(tmp_path):
    with pytest.raises(ValueError, match="ends in .md"):
        results.ResultsStore(tmp_path / "r.md", {}, {})
