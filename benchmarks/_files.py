"""Results files that are never half-written: atomic replacement and locks.

A benchmark's results took minutes to hours of compute, so they are written
as skscore writes its own downloads: into a temporary file beside the
destination, flushed to disk, then renamed over it. A reader sees the old
file or the new one, whatever happens to the writer (an exception, a full
disk, SIGKILL). ``locked`` serializes the read-merge-write cycles of runs
sharing one results file, with ``fcntl.flock`` where the platform has it.
"""

import contextlib
import os
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks
    fcntl = None

#: suffix of the temporary files of ``atomic_writer``
TEMPORARY_SUFFIX = ".tmp"


def temporary_name_prefix(path):
    """The prefix of the temporary files ``atomic_writer(path)`` creates."""
    return f".{Path(path).name}."


def _fsync_directory(directory):
    # makes the rename itself durable; not every platform can open a directory
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path):
    """Write ``path`` through a binary file object, all at once or not at all.

    When the ``with`` block ends normally, the temporary file is flushed to
    disk and renamed over ``path``; when it raises, the temporary file is
    removed and ``path`` is left as it was.
    """
    path = Path(path)
    fd, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=temporary_name_prefix(path), suffix=TEMPORARY_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as f:
            # mkstemp makes files readable by the owner only: give results
            # the mode of the file they replace, or the usual 0o644
            if hasattr(os, "fchmod"):
                os.fchmod(
                    f.fileno(), path.stat().st_mode & 0o777 if path.exists() else 0o644
                )
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def atomic_write(path, text):
    """Replace the contents of ``path`` by ``text`` (UTF-8) atomically."""
    with atomic_writer(path) as f:
        f.write(text.encode("utf-8"))


def remove_stale_temporaries(path):
    """Remove what killed writers of ``path`` left; call it holding the lock."""
    path = Path(path)
    for stale in path.parent.glob(temporary_name_prefix(path) + "*" + TEMPORARY_SUFFIX):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


@contextlib.contextmanager
def locked(path):
    """Hold an exclusive advisory lock on ``path`` (created if missing).

    ``path`` is a lock file, or a directory (locked itself, leaving nothing
    behind). The kernel releases the lock when the holder exits, however it
    exits. Without ``fcntl`` (Windows) nothing is locked.
    """
    path = Path(path)
    if fcntl is None:
        yield
        return
    if path.is_dir():
        fd = os.open(path, os.O_RDONLY)
    else:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
