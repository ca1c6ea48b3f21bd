"""Row chunking shared by the energy modules."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn import get_config
from sklearn.utils import gen_batches
from threadpoolctl import ThreadpoolController, threadpool_limits

_BLAS = ThreadpoolController().select(user_api="blas")

#: temporaries per chunk sized for the processor caches: elementwise passes
#: over cache-resident chunks ran the GBRBM objective at 1.06x its matrix
#: products (one thread, N=20000, D=192, K=256) against 1.30x for one chunk
#: of 40 MB; 8 to 16 MiB was also best at K=1600
_CACHE_BYTES = 8 * 2**20


def chunk_slices(n_samples, row_floats, dtype):
    """Slices over the rows of a batch so each chunk's temporaries fit in memory.

    Parameters
    ----------
    n_samples : int
        Number of rows to cover.

    row_floats : int
        Number of floating point values one row needs in temporaries.

    dtype : dtype
        Floating point type of the temporaries.

    Returns
    -------
    slices : generator of slice
        Consecutive slices covering ``range(n_samples)``, each holding as many
        rows as fit in a cache-sized budget, and never more than
        scikit-learn's ``working_memory`` setting allows (at least one).
    """
    row_bytes = row_floats * np.dtype(dtype).itemsize
    budget = min(get_config()["working_memory"] * 2**20, _CACHE_BYTES)
    return gen_batches(n_samples, max(1, min(int(budget // row_bytes), n_samples)))


def map_chunks(function, tasks):
    """``[function(task) for task in tasks]``, in parallel threads.

    As many threads as BLAS has (so a ``threadpool_limits`` set by the caller
    is honoured), each calling a single-threaded BLAS: NumPy's elementwise
    loops are single-threaded, and this runs them on every core too, the way
    scikit-learn's KMeans runs its chunks. The results keep the order of
    ``tasks``, so sums over them do not depend on the number of threads.
    """
    n_threads = max((info["num_threads"] for info in _BLAS.info()), default=1)
    if n_threads == 1 or len(tasks) == 1:
        return [function(task) for task in tasks]
    with threadpool_limits(1, user_api="blas"):
        with ThreadPoolExecutor(min(n_threads, len(tasks))) as executor:
            return list(executor.map(function, tasks))


def mean_and_covariance(X):
    """Column means and covariance of X in float64, reading X in chunks.

    Temporaries stay within ``working_memory``, so X may be a memmap larger
    than memory.
    """
    mean = X.mean(axis=0, dtype=np.float64)
    scatter = np.zeros((X.shape[1], X.shape[1]))
    for batch in chunk_slices(X.shape[0], 2 * X.shape[1], np.float64):
        centered = X[batch] - mean
        scatter += centered.T @ centered
    return mean, scatter / X.shape[0]
