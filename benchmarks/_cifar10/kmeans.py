"""k-means with the "triangle" encoding, the reference row of the table."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import KMeans, MiniBatchKMeans


class TriangleKMeans(TransformerMixin, BaseEstimator):
    """k-means with the "triangle" encoding of Coates, Lee & Ng (2011).

    ``transform`` gives ``max(0, mean(z) - z_k)`` for the distances ``z_k`` of a
    row to the centroids: a centroid fires when the row is closer to it than
    to the average centroid.

    Parameters
    ----------
    n_clusters : int, default=1600
        Number of centroids.

    full_batch : bool, default=False
        False: scikit-learn's ``MiniBatchKMeans`` (batches of 4,096, the best
        of 3 k-means++ initializations on 12,288 rows). True: ``KMeans``,
        at most 50 full-batch Lloyd iterations, as many as the authors' demo
        code runs, from centroids at random rows (k-means++ on all 400,000
        patches would cost more than the iterations: 44 s for 400 centroids
        on 20,000 rows, on 2 shared cores, where an iteration took 0.04 s).

    random_state : int, RandomState instance or None, default=None
        Seeds the initialization and the batches.
    """

    def __init__(self, n_clusters=1600, *, full_batch=False, random_state=None):
        self.n_clusters = n_clusters
        self.full_batch = full_batch
        self.random_state = random_state

    def fit(self, X, y=None):
        if self.full_batch:
            kmeans = KMeans(
                self.n_clusters,
                init="random",
                n_init=1,
                max_iter=50,
                random_state=self.random_state,
            )
        else:
            kmeans = MiniBatchKMeans(
                self.n_clusters,
                batch_size=4096,
                n_init=3,
                random_state=self.random_state,
            )
        self.kmeans_ = kmeans.fit(X)
        return self

    def transform(self, X):
        # distances by one product in X's own dtype: scikit-learn's
        # euclidean_distances upcasts float32 in chunks, twice as slow here
        centers = self.kmeans_.cluster_centers_.astype(X.dtype, copy=False)
        distances = X @ (-2 * centers.T)
        distances += np.einsum("ij,ij->i", X, X)[:, None]
        distances += np.einsum("ij,ij->i", centers, centers)
        np.sqrt(np.maximum(distances, 0, out=distances), out=distances)
        return np.maximum(distances.mean(axis=1, keepdims=True) - distances, 0)
