"""Row chunking and the thread pool that runs chunks on every core."""

import contextlib
import contextvars
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn import get_config
from sklearn.utils import gen_batches
from threadpoolctl import ThreadpoolController

from ._array_api import device, namespace, to_numpy

_BLAS = ThreadpoolController().select(user_api="blas")

#: temporaries per chunk sized for the processor caches: elementwise passes
#: over cache-resident chunks ran the GBRBM objective at 1.06x its matrix
#: products (one thread, N=20000, D=192, K=256) against 1.30x for one chunk
#: of 40 MB; 8 to 16 MiB was also best at K=1600
_CACHE_BYTES = 8 * 2**20


def chunk_slices(n_samples, row_floats, dtype, cache_sized=True):
    """Slices over the rows of a batch so each chunk's temporaries fit in memory.

    Parameters
    ----------
    n_samples : int
        Number of rows to cover.

    row_floats : int
        Number of floating point values one row needs in temporaries.

    dtype : dtype
        Floating point type of the temporaries.

    cache_sized : bool, default=True
        Whether chunks are sized for the processor caches as well; False for
        devices such as GPUs, whose products want chunks as large as possible.

    Returns
    -------
    slices : generator of slice
        Consecutive slices covering ``range(n_samples)``, each holding as many
        rows as fit in a cache-sized budget (if ``cache_sized``), and never
        more than scikit-learn's ``working_memory`` setting allows (at least
        one).
    """
    row_bytes = row_floats * np.dtype(dtype).itemsize
    budget = get_config()["working_memory"] * 2**20
    if cache_sized:
        budget = min(budget, _CACHE_BYTES)
    return gen_batches(n_samples, max(1, min(int(budget // row_bytes), n_samples)))


def _blas_threads():
    return max((info["num_threads"] for info in _BLAS.info()), default=1)


class _SingleThreadedBlas:
    """The one place where skscore changes BLAS's thread count.

    The count is one setting for the whole process, and a limiter puts back
    the count it saw when it started. Limiters that start and end in several
    threads at once end out of order: one that started inside another's limit
    saw 1, and if it ends last it leaves BLAS at one thread for the rest of
    the process. threadpoolctl 3.8 adds that only one thread at a time may
    change the count (the others' limits silently do nothing), so a limit
    must also be undone by the thread that set it.

    Hence one lock, taken without waiting: the thread that holds it sets the
    limit on entering its outermost block and restores the count when that
    block ends, so the count that is put back is always the one found. A
    block in any other thread meanwhile does not touch the count and runs its
    chunks itself, in order: the holder's chunk threads already use every
    core, and BLAS is then single-threaded for all threads (or, if the holder
    finishes first, back at the user's count, and the products are
    multithreaded again). Nothing waits, so a thread can neither deadlock on
    the lock nor queue behind a long fit. Results do not depend on the number
    of threads (see :func:`map_chunks`), so they do not depend on who held
    the lock either.
    """

    def __init__(self):
        self._lock = threading.RLock()
        self._depth = 0  # nested blocks of the holding thread
        self._n_threads = 1
        self._limiter = None

    @contextlib.contextmanager
    def hold(self):
        """Run a block with BLAS at one thread; yield how many chunk threads to run.

        That is the count BLAS had before the outermost block of this thread,
        or 1 if another thread holds the limit or the count could not be
        lowered (another thread controls it through threadpoolctl): chunk
        threads on top of a multithreaded BLAS would oversubscribe the cores.
        """
        if not self._lock.acquire(blocking=False):
            yield 1
            return
        try:
            if self._depth == 0:
                self._n_threads = _blas_threads()
                self._limiter = _BLAS.limit(limits=1)
                self._limiter.__enter__()
                if _blas_threads() != 1:
                    self._n_threads = 1
            self._depth += 1
            try:
                yield self._n_threads
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._limiter.__exit__(None, None, None)
                    self._limiter = None
        finally:
            self._lock.release()


_SINGLE_THREADED_BLAS = _SingleThreadedBlas()

#: the thread pool of an active :func:`parallel_chunks` block, if any
_POOL = contextvars.ContextVar("skscore_chunk_pool", default=None)


@contextlib.contextmanager
def parallel_chunks():
    """Run a block with a single-threaded BLAS and one pool of chunk threads.

    :func:`map_chunks` calls inside the block run on a pool of as many
    threads as BLAS had when the block started, created once, instead of a
    pool and a BLAS thread limit per call; everything else in the block gets
    a single-threaded BLAS. For an optimizer loop: scipy's L-BFGS-B spends
    its time in small vector operations, which a multithreaded BLAS made
    about 15 times slower (142 ms against 7.4 ms per call at 50,000
    parameters on 2 cores). Blocks running in several threads at once leave
    BLAS's thread count as they found it (see :class:`_SingleThreadedBlas`).
    """
    with (
        _SINGLE_THREADED_BLAS.hold() as n_threads,
        ThreadPoolExecutor(n_threads) as pool,
    ):
        token = _POOL.set((pool, n_threads))
        try:
            yield
        finally:
            _POOL.reset(token)


def map_chunks(function, tasks):
    """Yield ``function(task)`` for each of ``tasks``, in order, computed in threads.

    As many threads as BLAS has (so a ``threadpool_limits`` set by the caller
    is honoured), each calling a single-threaded BLAS: NumPy's elementwise
    loops are single-threaded, and this runs them on every core too, the way
    scikit-learn's KMeans runs its chunks. Within :func:`parallel_chunks`,
    its pool and thread count are used. Results come in the order of
    ``tasks``, so sums over them do not depend on the number of threads, and
    at most two per thread are computed ahead of the consumer, so memory
    stays bounded however many tasks there are.
    """
    active = _POOL.get()
    n_threads = active[1] if active else _blas_threads()
    if n_threads == 1 or len(tasks) == 1:
        yield from map(function, tasks)
        return
    if active:
        yield from _in_order(active[0], function, tasks, n_threads)
        return
    with _SINGLE_THREADED_BLAS.hold() as n_threads:
        if n_threads == 1:
            yield from map(function, tasks)
            return
        with ThreadPoolExecutor(n_threads) as pool:
            yield from _in_order(pool, function, tasks, n_threads)


def _in_order(pool, function, tasks, n_threads):
    pending = deque()
    for task in tasks:
        pending.append(pool.submit(function, task))
        if len(pending) > 2 * n_threads:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def mean_and_covariance(X):
    """Column means and covariance of X as float64 NumPy arrays, reading X in chunks.

    Temporaries stay within ``working_memory``, so X may be a memmap larger
    than memory. X of another Array API namespace is reduced on its device,
    in its dtype.
    """
    xp = namespace(X)
    if xp is np:
        mean = X.mean(axis=0, dtype=np.float64)
        scatter = np.zeros((X.shape[1], X.shape[1]))
    else:
        mean = xp.mean(X, axis=0)
        scatter = xp.zeros((X.shape[1], X.shape[1]), dtype=X.dtype, device=device(X))
    for batch in chunk_slices(X.shape[0], 2 * X.shape[1], np.float64):
        centered = X[batch, :] - mean
        scatter += centered.T @ centered
    return (
        to_numpy(mean).astype(np.float64),
        to_numpy(scatter).astype(np.float64) / X.shape[0],
    )
