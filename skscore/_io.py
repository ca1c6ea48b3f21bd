"""Files that are never half-written: atomic replacement and advisory locks.

``atomic_writer`` writes into a temporary file in the destination's
directory, flushes it to disk and renames it over the destination, so a
reader sees either the old file or the new one, whatever happens to the
writer (an exception, a full disk, SIGKILL, a power cut once the rename is
on disk). ``locked`` serializes read-merge-write cycles of processes
sharing one file, with ``fcntl.flock`` where the platform has it.
"""

import contextlib
import os
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks
    fcntl = None

#: suffix of the temporary files of ``atomic_writer``
TEMPORARY_SUFFIX = ".tmp"


def _fsync_directory(directory):
    # makes the rename itself durable; not every platform can open a directory
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def temporary_name_prefix(path):
    """The prefix of the temporary files ``atomic_writer(path)`` creates."""
    return f".{Path(path).name}."


@contextlib.contextmanager
def atomic_writer(path):
    """Write ``path`` through a binary file object, all at once or not at all.

    The file object is a temporary file beside ``path``. When the ``with``
    block ends normally, the data are flushed to disk (``fsync``) and the
    file renamed over ``path`` (``os.replace``); when it raises, the
    temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    fd, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=temporary_name_prefix(path), suffix=TEMPORARY_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as f:
            # mkstemp makes files readable by the owner only: keep the mode
            # of the file replaced, or give a new one the usual 0o644
            if hasattr(os, "fchmod"):  # pragma: no branch - not on Windows
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


def atomic_write(path, data):
    """Replace the contents of ``path`` by ``data`` (str or bytes) atomically."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    with atomic_writer(path) as f:
        f.write(data)


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
    if fcntl is None:  # pragma: no cover
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
