"""Checked downloads of data archives, and their bounded, atomic extraction.

A :class:`RemoteArchive` declares a ``.tar.gz`` file on a server (its URL,
SHA-256 and size) and the files of it a data set needs; :func:`fetch` puts
those files into a data home. The guarantees, whatever the server sends and
whenever the process is stopped:

- the download is hashed on the way and kept, under the archive's name, only
  when its SHA-256 is the published one; it never writes more bytes than the
  archive has, whether or not the server announces a Content-Length;
- a download that fails on the network (or stops short of the announced
  length) is retried, and a last failure is one short ``OSError``;
- only the declared regular files of the archive's folder are extracted,
  none larger than the declared bound, into a temporary directory renamed
  into place when complete;
- the download and the extraction are written through temporary names, so an
  interrupted fetch leaves nothing half-written under the final names; a
  later fetch removes what it left, and concurrent fetches into one data home
  wait for each other.
"""

import gzip
import hashlib
import http.client
import os
import shutil
import sys
import tarfile
import tempfile
import time
import warnings
import zlib
from pathlib import Path
from typing import NamedTuple
from urllib.error import URLError
from urllib.request import urlopen

from .. import _io

#: bytes read from the connection at a time
_CHUNK_BYTES = 1 << 20

_RETRIED = (URLError, TimeoutError, ConnectionError, http.client.HTTPException)


class RemoteArchive(NamedTuple):
    """A ``.tar.gz`` archive on a server, and the files of it to extract."""

    #: the data set's name, in messages
    name: str
    #: the archive's file name in the data home while it is extracted
    filename: str
    url: str
    #: the published SHA-256 of the archive, in hexadecimal
    sha256: str
    #: the archive's size in bytes: no download writes more
    size: int
    #: the folder of the archive that is extracted, under the same name
    directory: str
    #: the files of that folder that are extracted; anything else is ignored
    members: tuple[str, ...]
    #: the members without which the extraction is refused
    required: tuple[str, ...]
    #: the most bytes a member may hold; a larger one is not written to disk
    max_member_bytes: int


class _IncompleteDownload(OSError):
    """The server closed the connection before sending the whole file."""


def _invalid(remote, path, problem):
    return ValueError(f"{path} is not valid {remote.name} data: {problem}")


def sha256(path):
    """The SHA-256 of the file at ``path``, in hexadecimal."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def is_extracted(remote, directory):
    """Whether ``directory`` holds every required member of ``remote``."""
    return all((directory / name).is_file() for name in remote.required)


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


def _receive(response, f, remote):
    """Copy the body of ``response`` into ``f``; return its SHA-256 and length.

    The archive's known size bounds what is written to disk, also when the
    server announces no Content-Length.
    """
    progress = _progress(remote.size)
    digest, received = hashlib.sha256(), 0
    while chunk := response.read(_CHUNK_BYTES):
        received += len(chunk)
        if received > remote.size:
            raise OSError(
                f"{remote.url} sent more than the {remote.size} bytes "
                f"of the {remote.name} archive: not the expected file. "
                "Nothing was kept."
            )
        f.write(chunk)
        digest.update(chunk)
        progress(received)
    return digest.hexdigest(), received


def _download_once(remote, path):
    """One attempt at downloading ``remote`` to ``path``, checked."""
    with _io.atomic_writer(path) as f, urlopen(remote.url, timeout=60) as response:
        announced = response.headers.get("Content-Length")
        if announced not in (None, str(remote.size)):
            raise OSError(
                f"{remote.url} announces {announced} bytes, while the "
                f"{remote.name} archive has {remote.size}: not the expected file"
            )
        print(
            f"Downloading {remote.name} ({remote.size / 2**20:.1f} MiB) from "
            f"{remote.url} into {path.parent}",
            file=sys.stderr,
            flush=True,
        )
        digest, received = _receive(response, f, remote)
        if announced is not None and received != int(announced):
            raise _IncompleteDownload(
                f"the connection closed after {received} of {announced} bytes"
            )
        if digest != remote.sha256:
            raise OSError(
                f"The file downloaded from {remote.url} has the SHA-256 "
                f"checksum {digest}, not the expected {remote.sha256}: it was "
                "not kept. The download may have been corrupted, or the server "
                "altered the file."
            )


def download(remote, home, *, n_retries, delay, advice):
    """Download ``remote`` into ``home``, checked; return its path.

    The bytes go to a temporary file, are hashed on the way, flushed to disk
    and renamed to the archive's name only when the SHA-256 matches: no
    partial or corrupted archive is ever left under that name. A line on
    standard error says what is downloaded, then one at every tenth. Network
    failures are retried ``n_retries`` times, ``delay`` seconds apart; the
    last one raises an ``OSError`` ending in ``advice``.
    """
    path = home / remote.filename
    for attempt in range(n_retries + 1):
        try:
            _download_once(remote, path)
            return path
        except (*_RETRIED, _IncompleteDownload) as exc:
            if attempt == n_retries:
                # one exception: the cause's own words, not its traceback
                raise OSError(
                    f"Could not download {remote.name} from {remote.url} "
                    f"({n_retries + 1} attempt{'s' if n_retries else ''}): {exc}. "
                    + advice
                ) from None
            warnings.warn(f"Retry downloading from url: {remote.url} ({exc})")
            time.sleep(delay)


def _extract_member(remote, archive, tar, member, target):
    """Copy ``member`` into ``target`` if it is one of the declared files."""
    directory, _, name = member.name.partition("/")
    if directory != remote.directory or name not in remote.members:
        return
    if not member.isfile():  # never links, devices or other paths
        return
    if member.size > remote.max_member_bytes:
        raise _invalid(
            remote,
            archive,
            f"its member {member.name} holds {member.size} bytes, more "
            f"than any file of {remote.name} ({remote.max_member_bytes})",
        )
    with tar.extractfile(member) as src, open(target / name, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())


def extract(remote, archive, home):
    """Unpack the declared members of ``archive`` into ``home``, atomically.

    They are copied into a temporary directory, which is renamed to
    ``home / remote.directory`` once it holds every required member.
    """
    temporary = Path(
        tempfile.mkdtemp(
            dir=home, prefix=f".{remote.directory}.", suffix=_io.TEMPORARY_SUFFIX
        )
    )
    try:
        target = temporary / remote.directory
        target.mkdir()
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                _extract_member(remote, archive, tar, member, target)
        if not is_extracted(remote, target):
            missing = [n for n in remote.required if not (target / n).exists()]
            raise _invalid(remote, archive, f"the archive lacks {missing}")
        os.rename(target, home / remote.directory)
        _io._fsync_directory(home)
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise _invalid(remote, archive, f"{type(exc).__name__}: {exc}") from exc
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _remove_stale_files(remote, home):
    # what a killed fetch left: a partial download, a partial extraction
    _io.remove_stale_temporaries(home / remote.filename)
    for stale in home.glob(f".{remote.directory}.*{_io.TEMPORARY_SUFFIX}"):
        shutil.rmtree(stale, ignore_errors=True)


def fetch(remote, home, *, n_retries, delay, advice):
    """Download and extract ``remote`` into ``home``; return the directory.

    Nothing is downloaded when ``home`` already holds the extracted files
    (perhaps fetched by another process while this one waited for the lock),
    nor when it holds the archive with the right checksum (left by an
    interrupted extraction). The archive is deleted once extracted.
    """
    target = home / remote.directory
    home.mkdir(parents=True, exist_ok=True)
    with _io.locked(home):
        if not is_extracted(remote, target):
            _remove_stale_files(remote, home)
            archive = home / remote.filename
            if not (archive.is_file() and sha256(archive) == remote.sha256):
                download(remote, home, n_retries=n_retries, delay=delay, advice=advice)
            print(f"Extracting {remote.filename} into {target}", file=sys.stderr)
            extract(remote, archive, home)
            archive.unlink()
    return target
