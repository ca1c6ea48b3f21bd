import dask.array as da
import numpy as np
import pytest
from dask.distributed import Client, LocalCluster
from dask_ml.wrappers import Incremental, ParallelPostFit
from joblib import parallel_config
from sklearn import config_context
from threadpoolctl import threadpool_limits
from tolerances import featurizer_atol

from skscore import ConvolutionalFeaturizer, GBRBMScoreMatching

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.slow,  # a local cluster of two worker processes
]


@pytest.fixture(scope="module")
def client():
    # two worker processes, bound to this machine only
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def test_incremental_fit_and_parallel_transform_on_a_cluster(client):
    rng = np.random.default_rng(0)
    data = rng.standard_t(4, size=(4000, 16)).astype(np.float32)
    X = da.from_array(data, chunks=(1000, 16))
    incremental = Incremental(
        GBRBMScoreMatching(8, random_state=0), shuffle_blocks=False
    ).fit(X)
    model = incremental.estimator_
    assert model.n_iter_ == 4  # one partial_fit per block
    # the same blocks streamed by hand give the same model, to the last bit:
    # the same arithmetic, on one BLAS thread as in the workers
    by_hand = GBRBMScoreMatching(8, random_state=0)
    with threadpool_limits(1):
        for start in range(0, 4000, 1000):
            by_hand.partial_fit(data[start : start + 1000])
        expected = model.transform(data[:1000])
    np.testing.assert_array_equal(model.components_, by_hand.components_)
    features = ParallelPostFit(model).transform(X)
    assert isinstance(features, da.Array)
    # each block is encoded on its own, row by row the same arithmetic
    np.testing.assert_array_equal(features.blocks[0].compute(), expected)


def test_featurizer_transform_under_the_dask_joblib_backend(client):
    images = np.random.default_rng(1).integers(0, 256, size=(40, 3 * 12 * 12))
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(4, max_iter=5, random_state=0),
        patch_size=4,
        image_shape=(3, 12, 12),
        n_patches=2000,
        random_state=0,
    ).fit(images)
    sequential = featurizer.transform(images)
    with config_context(working_memory=0.2):  # several chunks of images
        parallel = featurizer.set_params(n_jobs=2).transform(images)
        with parallel_config(backend="dask"):
            distributed = featurizer.transform(images)
    # other chunks: only the rounding of the same float32 sums changes
    atol = featurizer_atol(featurizer, images)
    np.testing.assert_allclose(parallel, sequential, rtol=0, atol=atol)
    np.testing.assert_allclose(distributed, sequential, rtol=0, atol=atol)
