"""Fixtures shared by the test modules.

Progress lines logged by skscore; CIFAR-10 look-alikes in the official
formats, and the real data. No test needs CIFAR-10 itself except those that
say so by asking for ``real_cifar10_home``, which skips them when the data
are not on the machine. No test reaches the network: ``fetch_cifar10``'s
address points at a closed local port unless a test serves an archive itself.
"""

import hashlib
import http.server
import logging
import os
import sys
import threading
from pathlib import Path

# scikit-learn's array API dispatch, which the array API tests turn on, needs
# scipy's array API support, set before scipy is first imported
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest
from cifar10_files import make_splits, write_archive, write_batches, write_npz

from skscore import datasets
from skscore.datasets import _cifar10_loader

ROOT = Path(__file__).resolve().parents[1]
# the benchmark scripts and the package they share (benchmarks/_cifar10) are
# not part of skscore: their tests import them from the repository's folder
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.fixture
def progress_lines(caplog):
    """A function returning the progress lines logged so far by skscore."""
    caplog.set_level(logging.INFO, logger="skscore")

    def lines():
        return [r.getMessage() for r in caplog.records if r.name == "skscore"]

    return lines


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

    Looked for where ``load_cifar10`` looks (``SKSCORE_DATA``, then
    scikit-learn's data home), then in a ``shared/data`` folder beside the
    repository, which the skip message does not name: it is where the
    developers keep it, not a place for users.
    """
    candidates = _cifar10_loader._candidate_homes(None)
    candidates.append(ROOT.parent / "shared" / "data")
    for directory in candidates:
        if _holds_cifar10(directory):
            return directory
    pytest.skip(
        "the real CIFAR-10 is not on this machine: set SKSCORE_DATA to a "
        "directory holding it, or download it with "
        "skscore.datasets.fetch_cifar10()"
    )


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    # a closed port: any fetch a test does not serve itself fails at once
    monkeypatch.setattr(
        _cifar10_loader,
        "_ARCHIVE",
        _cifar10_loader._ARCHIVE._replace(
            url="http://127.0.0.1:9/cifar-10-python.tar.gz"
        ),
    )


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.payload``; the next ``server.truncate`` responses stop
    half-way, the connection closed."""

    def do_GET(self):
        server = self.server
        server.requests += 1
        payload = server.payload
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if server.truncate > 0:  # the connection drops half-way
            server.truncate -= 1
            self.wfile.write(payload[: len(payload) // 2])
            self.close_connection = True
            return
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def archive_server(monkeypatch):
    """A function serving ``payload`` with ``handler`` on a local port.

    ``serve(handler, payload, **fields)`` starts the server, points the
    CIFAR-10 archive's address at it, replaces the archive's other ``fields``
    (``sha256``, ``size``), and returns the server; it is shut down after the
    test.
    """
    servers = []

    def serve(handler, payload, **fields):
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.payload, httpd.requests, httpd.truncate = payload, 0, 0
        servers.append(httpd)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{httpd.server_address[1]}/cifar-10-python.tar.gz"
        archive = _cifar10_loader._ARCHIVE._replace(url=url, **fields)
        monkeypatch.setattr(_cifar10_loader, "_ARCHIVE", archive)
        return httpd

    yield serve
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def cifar10_server(archive_server, cifar10_archive):
    """A local HTTP server of the generated archive, the fetcher pointed at it."""
    path, sha256 = cifar10_archive
    payload = path.read_bytes()
    return archive_server(_Handler, payload, sha256=sha256, size=len(payload))
