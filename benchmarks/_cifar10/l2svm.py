"""The L2-SVM of Coates, Lee & Ng: squared hinge, one-vs-rest, in the primal.

scikit-learn's ``LinearSVC`` solves this problem with liblinear, one class
at a time, single-threaded, on its own float64 copy of the data: about 15
minutes per ``C`` on the full CIFAR-10 features (50,000 x 6,400). Coates et
al. minimized the primal with L-BFGS (minFunc); :class:`L2SVM` does the same
with scipy's L-BFGS-B, every class at once, on float32 matrix products.
"""

import contextlib
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.optimize import minimize
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import ThreadpoolController

#: the most bytes of X in a chunk: 8 MiB, so that both products of a chunk
#: read its rows from the processor's cache
_CHUNK_BYTES = 8 * 2**20


def _row_chunks(X):
    """Slices of the rows of X, each within 8 MiB and scikit-learn's
    ``working_memory``, and at least one row."""
    budget = min(get_config()["working_memory"] * 2**20, _CHUNK_BYTES)
    rows = int(budget // (X.shape[1] * X.dtype.itemsize))
    return list(gen_batches(len(X), max(1, min(rows, len(X)))))


@contextlib.contextmanager
def _chunk_threads():
    """BLAS at one thread, and a pool of as many threads as it had, for chunks.

    scipy's L-BFGS-B spends its time in small vector operations, which a
    multithreaded BLAS made about 15 times slower (142 ms against 7.4 ms per
    call at 50,000 parameters on 2 cores); the products of the chunks of rows
    run in the pool's threads instead, one core each.
    """
    blas = ThreadpoolController().select(user_api="blas")
    n_threads = max((info["num_threads"] for info in blas.info()), default=1)
    with blas.limit(limits=1), ThreadPoolExecutor(n_threads) as pool:
        yield pool


class L2SVM(ClassifierMixin, BaseEstimator):
    """Linear one-vs-rest SVM with the squared hinge, by L-BFGS in the primal.

    Minimizes, for all classes at once, the objective of
    ``LinearSVC(loss="squared_hinge", penalty="l2", multi_class="ovr")``::

        0.5 ||W||^2 + 0.5 ||b / intercept_scaling||^2
            + C sum_i sum_k max(0, 1 - y_ik (x_i . w_k + b_k))^2

    with ``y_ik = 1`` when sample ``i`` is of class ``k`` and -1 otherwise
    (two classes: one classifier, of the second class, as ``LinearSVC``).

    The intercept is treated as liblinear treats it: a synthetic feature of
    constant value ``intercept_scaling`` whose weight is regularized like the
    others, which is the penalty ``0.5 (b_k / intercept_scaling)^2`` on the
    intercept ``b_k``. With the default ``intercept_scaling=1`` this is
    ``LinearSVC``'s default objective, and Coates et al.'s (a column of ones,
    regularized with the weights; their ``C`` multiplies the mean of the
    squared hinges, not the sum: theirs is this ``C`` times the number of
    samples). ``intercept_scaling=None`` leaves the intercept unregularized.

    The products ``X @ W`` and ``X.T @ G`` are computed in ``X``'s dtype
    (float32 features stay float32: no float64 copy of X), one cache-sized
    chunk of rows at a time, both products of a chunk while it is in cache,
    the chunks on every core; the parameters, the objective and the sums over
    chunks are float64.

    Parameters
    ----------
    C : float, default=1.0
        Weight of the squared hinges, as in ``LinearSVC``.

    fit_intercept : bool, default=True
        Whether to fit the intercepts ``b``; zero otherwise.

    intercept_scaling : float or None, default=1.0
        The intercept's penalty is ``0.5 (b / intercept_scaling)^2``, as in
        liblinear; None: no penalty.

    tol : float, default=1e-4
        L-BFGS-B stops when the largest entry of the gradient of the
        objective divided by ``C * n_samples`` is below ``tol``.

    max_iter : int, default=1000
        Maximum number of L-BFGS iterations; a ``ConvergenceWarning`` when
        reached.

    warm_start : bool, default=False
        Start each fit from ``coef_`` and ``intercept_`` when they are set
        with the shapes of this fit (by an earlier fit or by hand); from
        zero otherwise.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : int
        Number of L-BFGS iterations of the last fit.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from _cifar10.l2svm import L2SVM
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> L2SVM(C=10.0).fit(X, [0, 0, 1, 1]).predict(X).tolist()
    [0, 0, 1, 1]
    """

    def __init__(
        self,
        C=1.0,
        *,
        fit_intercept=True,
        intercept_scaling=1.0,
        tol=1e-4,
        max_iter=1000,
        warm_start=False,
    ):
        self.C = C
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start

    def _check_params(self):
        if not self.C > 0:
            raise ValueError(f"C must be positive; got {self.C!r}")
        if self.intercept_scaling is not None and not self.intercept_scaling > 0:
            raise ValueError(
                f"intercept_scaling must be positive or None; "
                f"got {self.intercept_scaling!r}"
            )
        if not self.tol > 0:
            raise ValueError(f"tol must be positive; got {self.tol!r}")
        if not self.max_iter >= 1:
            raise ValueError(f"max_iter must be at least 1; got {self.max_iter!r}")

    def _targets(self, y):
        """The +-1 targets, one column per classifier."""
        if len(self.classes_) == 2:
            return np.where(y == self.classes_[1], 1.0, -1.0)[:, None]
        return np.where(y[:, None] == self.classes_, 1.0, -1.0)

    def _start(self, n_classifiers, n_features):
        """The starting parameters: the current weights when warm-starting."""
        W = np.zeros((n_features, n_classifiers))
        b = np.zeros(n_classifiers)
        if self.warm_start and hasattr(self, "coef_"):
            coef = np.asarray(self.coef_, dtype=np.float64)
            intercept = np.broadcast_to(
                np.asarray(getattr(self, "intercept_", 0.0), dtype=np.float64),
                (n_classifiers,),
            )
            if coef.shape == (n_classifiers, n_features):
                W, b = coef.T, intercept
        return np.concatenate([W.ravel(), b if self.fit_intercept else []])

    def _objective(self, X, Y, pool=None):
        """The objective divided by ``C * n_samples``, and its gradient.

        As a function of the flat float64 parameters (``W`` of shape
        ``(n_features, n_classifiers)`` row-major, then ``b`` when fitted).
        The chunks of rows run in the threads of ``pool`` (else one after
        the other) and are summed in order, so the result does not depend on
        the number of threads.
        """
        n_samples, n_features = X.shape
        n_classifiers = Y.shape[1]
        size = n_features * n_classifiers
        batches = _row_chunks(X)
        map_chunks = map if pool is None else pool.map
        penalty = 1.0 / (self.C * n_samples)
        if self.fit_intercept and self.intercept_scaling is not None:
            intercept_penalty = penalty / self.intercept_scaling**2
        else:
            intercept_penalty = 0.0

        def objective(theta):
            W = theta[:size].reshape(n_features, n_classifiers)
            b = theta[size:] if self.fit_intercept else np.zeros(n_classifiers)
            W_x = W.astype(X.dtype)

            def chunk(batch):
                X_chunk, Y_chunk = X[batch], Y[batch]
                # the hinges, 1 - y (x w + b), where positive; float64
                hinge = 1.0 - Y_chunk * (X_chunk @ W_x + b)
                np.maximum(hinge, 0.0, out=hinge)
                # d(mean squared hinge) / d(x w + b)
                G = (-2.0 / n_samples) * Y_chunk * hinge
                grad_W = X_chunk.T @ G.astype(X.dtype, copy=False)
                return np.vdot(hinge, hinge), grad_W, G.sum(axis=0)

            loss = 0.0
            grad_W = penalty * W
            grad_b = intercept_penalty * b
            for chunk_loss, chunk_grad_W, chunk_grad_b in map_chunks(chunk, batches):
                loss += chunk_loss
                grad_W += chunk_grad_W
                grad_b += chunk_grad_b
            value = (
                loss / n_samples
                + 0.5 * penalty * np.vdot(W, W)
                + 0.5 * intercept_penalty * np.vdot(b, b)
            )
            grad = grad_W.ravel()
            if self.fit_intercept:
                grad = np.concatenate([grad, grad_b])
            return value, grad

        return objective

    def fit(self, X, y):
        """Fit the one-vs-rest classifiers on ``X`` and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            float32 stays float32; other types become float64.

        y : array-like of shape (n_samples,)

        Returns
        -------
        self : L2SVM
        """
        self._check_params()
        X, y = validate_data(self, X, y, dtype=[np.float32, np.float64])
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError("L2SVM needs at least 2 classes; y holds one class")
        self.classes_ = classes
        Y = self._targets(y)
        n_features, n_classifiers = X.shape[1], Y.shape[1]
        with _chunk_threads() as pool:
            result = minimize(
                self._objective(X, Y, pool),
                self._start(n_classifiers, n_features),
                method="L-BFGS-B",
                jac=True,
                options={
                    "maxiter": self.max_iter,
                    "maxls": 50,
                    "gtol": self.tol,
                    "ftol": 64 * np.finfo(np.float64).eps,
                },
            )
        size = n_features * n_classifiers
        self.coef_ = result.x[:size].reshape(n_features, n_classifiers).T.copy()
        if self.fit_intercept:
            self.intercept_ = result.x[size:].copy()
        else:
            self.intercept_ = np.zeros(n_classifiers)
        self.n_iter_ = int(result.nit)
        if result.status == 1:
            warnings.warn(
                f"L2SVM did not converge in max_iter={self.max_iter} iterations "
                f"({result.message}); increase max_iter",
                ConvergenceWarning,
            )
        elif not result.success:
            warnings.warn(
                f"L-BFGS-B stopped before convergence: {result.message}",
                ConvergenceWarning,
            )
        return self

    def decision_function(self, X):
        """Signed distances to each class's hyperplane, times ``||w_k||``.

        Computed in ``X``'s dtype (float32 products for float32 features).

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            One column per class; a vector for two classes (positive: the
            second class).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float32, np.float64], reset=False)
        scores = X @ self.coef_.T.astype(X.dtype) + self.intercept_.astype(X.dtype)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        """The class of the largest decision value (binary: of its sign)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[scores.argmax(axis=1)]
