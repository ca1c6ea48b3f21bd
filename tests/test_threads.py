"""Fits and transforms running in threads leave BLAS's thread count as it was."""

import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from skscore import (
    ConvolutionalFeaturizer,
    DenoisingSMTransformer,
    GBRBMScoreMatching,
    MPoTAutoencoder,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _blas_threads():
    return [
        info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
    ]


def test_concurrent_fits_and_transforms_leave_the_blas_thread_count():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 12))
    images = rng.uniform(0, 255, size=(6, 3 * 10 * 10))
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(8, max_iter=3, random_state=0),
        patch_size=4,
        image_shape=(3, 10, 10),
        n_patches=200,
        random_state=0,
    ).fit(images)
    jobs = [
        lambda: GBRBMScoreMatching(6, max_iter=5, random_state=0).fit(X),
        lambda: MPoTAutoencoder(4, 3, max_iter=5, random_state=0).fit(X),
        lambda: DenoisingSMTransformer(
            GBRBMScoreMatching(5, max_iter=5), random_state=0
        ).fit(X),
        lambda: GBRBMScoreMatching(6, objective="pcd", max_iter=2).fit(X),
        lambda: featurizer.transform(images),
        lambda: GBRBMScoreMatching(6, max_iter=2, random_state=0).fit(X).score(X),
    ]
    errors = []

    def run(job, barrier):
        barrier.wait()
        try:
            job()
        except Exception as error:  # re-raised in the main thread below
            errors.append(error)

    # No threadpool_limits around the rounds: the thread that sets a limit
    # controls OpenBLAS (threadpoolctl >= 3.8) and skscore's own limits would
    # then do nothing. With the machine's count (more than 1 on a machine of
    # several cores), a limit of 1 left behind shows.
    before = _blas_threads()
    assert before
    for _ in range(8):
        barrier = threading.Barrier(len(jobs))
        threads = [threading.Thread(target=run, args=(j, barrier)) for j in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert _blas_threads() == before


def test_one_thread_at_a_time_limits_blas_and_the_others_run_their_chunks_alone():
    from skscore._chunks import _SINGLE_THREADED_BLAS

    before = _blas_threads()
    seen = {}

    def other():
        with _SINGLE_THREADED_BLAS.hold() as n_threads:
            seen["other"] = n_threads

    with _SINGLE_THREADED_BLAS.hold() as n_threads:
        # the count found, for the chunk threads, and BLAS at one thread
        assert n_threads == max(before)
        assert set(_blas_threads()) == {1}
        with _SINGLE_THREADED_BLAS.hold() as nested:  # same thread: same count
            assert nested == n_threads
        assert set(_blas_threads()) == {1}
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert seen["other"] == 1  # runs its chunks itself, not on top of ours
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before


def test_chunk_generators_ended_out_of_order_restore_the_count():
    from skscore._chunks import map_chunks

    before = _blas_threads()
    first = map_chunks(lambda i: i, list(range(6)))
    second = map_chunks(lambda i: i, list(range(6)))
    assert next(first) == 0 and next(second) == 0
    first.close()
    assert list(second) == [1, 2, 3, 4, 5]
    assert _blas_threads() == before
