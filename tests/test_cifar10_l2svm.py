"""The CIFAR-10 benchmark's L2-SVM: its gradient, LinearSVC's solution, its
warm start and its scikit-learn API, on small generated data."""

import warnings

import numpy as np
import pytest
from _cifar10.l2svm import L2SVM
from gradcheck import numerical_gradient
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks
from tolerances import FACTOR, input_rounding_atol, rounding_atol


def _data(n_classes=4, n_samples=200, n_features=12, seed=0, dtype=np.float64):
    """Overlapping classes, off-center, so hinges are active and inactive."""
    rng = np.random.default_rng(seed)
    means = rng.normal(0, 1, size=(n_classes, n_features))
    y = rng.integers(0, n_classes, n_samples)
    X = means[y] + rng.normal(size=(n_samples, n_features)) + 0.5
    return X.astype(dtype), y


def _objective(svm, X, y):
    svm.classes_ = np.unique(y)
    return svm._objective(X, svm._targets(y))


def _parameters(svm, coef, intercept):
    """The flat parameters the objective takes, from fitted attributes."""
    W = np.asarray(coef, dtype=np.float64).T
    b = np.ravel(intercept) if svm.fit_intercept else []
    return np.concatenate([W.ravel(), b])


def _distance_bounds(svm, X, y, thetas):
    """Bounds, per classifier, on the distance between two near-solutions.

    The objective is convex and piecewise quadratic: where the rows with an
    active hinge are ``A`` (rows ``[x, 1]``), a classifier's Hessian is ``2 /
    n A^T A`` plus the penalties ``diag(1, ..., 1, 1 / s^2) / (C n)``. With
    ``mu`` its smallest eigenvalue at a point, strong convexity puts the point
    within ``|grad| / mu`` of the optimum; two points are within the sum (the
    active hinges at each point stand for those along the way).
    """
    X = np.asarray(X, dtype=np.float64)
    objective, Y = _objective(svm, X, y), svm._targets(y)
    (n, d), m = X.shape, Y.shape[1]
    A = np.hstack([X, np.ones((n, 1))]) if svm.fit_intercept else X
    penalties = np.ones(A.shape[1])
    if svm.fit_intercept:
        scaling = svm.intercept_scaling
        penalties[-1] = 0.0 if scaling is None else 1 / scaling**2
    bounds = np.zeros(m)
    for theta in thetas:
        grad = objective(theta)[1]
        W, b = theta[: d * m].reshape(d, m), theta[d * m :]
        margins = Y * (X @ W + (b if svm.fit_intercept else 0.0))
        for k in range(m):
            active = A[margins[:, k] < 1]
            hessian = 2 / n * active.T @ active + np.diag(penalties) / (svm.C * n)
            g = grad[: d * m].reshape(d, m)[:, k]
            if svm.fit_intercept:
                g = np.append(g, grad[d * m + k])
            bounds[k] += np.linalg.norm(g) / np.linalg.eigvalsh(hessian)[0]
    return bounds


def _assert_same_solution(svm, X, y, coef, intercept):
    """``svm``'s weights are ``coef`` and ``intercept`` within the bounds."""
    m = len(coef)
    intercept = np.broadcast_to(np.ravel(intercept), (m,))
    own_intercept = np.broadcast_to(np.ravel(svm.intercept_), (m,))
    ours = _parameters(svm, svm.coef_, own_intercept)
    theirs = _parameters(svm, coef, intercept)
    bounds = _distance_bounds(svm, X, y, [ours, theirs])
    ours_k = np.column_stack([svm.coef_, own_intercept])
    theirs_k = np.column_stack([coef, intercept])
    if not svm.fit_intercept:
        ours_k, theirs_k = ours_k[:, :-1], theirs_k[:, :-1]
    distances = np.linalg.norm(ours_k - theirs_k, axis=1)
    assert np.all(distances <= bounds), (distances, bounds)
    return bounds


def _n_parameters(svm, X, y):
    n_classifiers = 1 if len(np.unique(y)) == 2 else len(np.unique(y))
    return (X.shape[1] + svm.fit_intercept) * n_classifiers


@pytest.mark.parametrize(
    "params",
    [{}, {"intercept_scaling": 3.0}, {"intercept_scaling": None}],
    ids=["scaling 1", "scaling 3", "unregularized"],
)
@pytest.mark.parametrize("n_classes", [2, 4])
def test_the_gradient_is_that_of_the_objective(params, n_classes):
    X, y = _data(n_classes, n_samples=60, n_features=5)
    svm = L2SVM(C=0.3, **params)
    objective = _objective(svm, X, y)
    theta = np.random.default_rng(1).normal(0, 0.5, _n_parameters(svm, X, y))
    value, grad = objective(theta)
    numerical, error = numerical_gradient(
        lambda p: objective(p["theta"])[0], {"theta": theta}
    )
    assert np.all(np.abs(grad - numerical["theta"]) <= FACTOR * error["theta"])
    # the value: LinearSVC's primal objective, divided by C * n_samples
    n_features = X.shape[1]
    W = theta[: n_features * (n_classes if n_classes > 2 else 1)].reshape(
        n_features, -1
    )
    b = theta[W.size :]
    Y = svm._targets(y)
    hinge = np.maximum(0, 1 - Y * (X @ W + b))
    scaling = params.get("intercept_scaling", 1.0)
    primal = 0.5 * np.sum(W**2) + svm.C * np.sum(hinge**2)
    if scaling is not None:
        primal += 0.5 * np.sum((b / scaling) ** 2)
    # sums of as many terms as rows and weights, of the size of the primal
    atol = rounding_atol(np.float64, len(X) + theta.size, primal / (svm.C * len(X)))
    assert abs(value - primal / (svm.C * len(X))) <= atol
    # and without an intercept
    svm = L2SVM(C=0.3, fit_intercept=False)
    objective = _objective(svm, X, y)
    theta = theta[: W.size]
    numerical, error = numerical_gradient(
        lambda p: objective(p["theta"])[0], {"theta": theta}
    )
    difference = np.abs(objective(theta)[1] - numerical["theta"])
    assert np.all(difference <= FACTOR * error["theta"])


def test_chunks_and_float32_products_give_the_same_objective():
    X, y = _data(n_samples=500, n_features=20)
    svm = L2SVM(C=0.3)
    theta = np.random.default_rng(1).normal(0, 0.5, _n_parameters(svm, X, y))
    value, grad = _objective(svm, X, y)(theta)
    with config_context(working_memory=2**-12):  # 1 KiB: chunks of 6 rows
        chunked = _objective(svm, X, y)(theta)
    # the same per-row terms added in another order: the rounding of a sum of
    # as many terms as rows, of the size of the rows' terms taken one by one
    Y = svm._targets(y)  # the classes of all rows
    rows = [svm._objective(X[i : i + 1], Y[i : i + 1])(theta) for i in range(len(X))]
    # one row's objective is its hinge term plus the whole penalty
    # 0.5 ||theta||^2 / C (intercept_scaling=1), which the sum has once, over n
    penalty, n = 0.5 * np.sum(theta**2) / svm.C, len(X)
    value_scale = np.mean([row - penalty for row, _ in rows]) + penalty / n
    grad_scale = np.mean([np.abs(g - theta / svm.C) for _, g in rows], axis=0)
    grad_scale += np.abs(theta) / (svm.C * n)
    assert abs(chunked[0] - value) <= rounding_atol(np.float64, len(X), value_scale)
    atol = rounding_atol(np.float64, len(X), grad_scale)
    assert np.all(np.abs(chunked[1] - grad) <= atol)
    # float32 features: float32 products, float64 sums, close to float64's
    # within what rounding the features to float32 moves them by
    value32, grad32 = _objective(svm, X.astype(np.float32), y)(theta)

    def in_float64(output):
        return lambda values: output(_objective(svm, values["X"], y)(theta))

    inputs = {"X": X}
    atol = input_rounding_atol(in_float64(lambda out: out[0]), inputs, np.float32)
    assert abs(value32 - value) <= atol
    atol = input_rounding_atol(in_float64(lambda out: out[1]), inputs, np.float32)
    assert np.all(np.abs(grad32 - grad) <= atol)


# LinearSVC with the same intercept: its own (a feature of value 1, or of
# value 3, regularized), none, or one of value 10,000, whose penalty
# (b / 10,000)^2 / 2 leaves the intercept as good as unregularized
SAME_INTERCEPT = {
    "scaling 1": ({}, {}),
    "scaling 3": ({"intercept_scaling": 3.0}, {"intercept_scaling": 3.0}),
    "unregularized": ({"intercept_scaling": None}, {"intercept_scaling": 1e4}),
    "no intercept": ({"fit_intercept": False}, {"fit_intercept": False}),
}


@pytest.mark.parametrize("intercept", SAME_INTERCEPT)
@pytest.mark.parametrize("C", [0.01, 1.0])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_the_solution_is_linear_svcs(intercept, C, n_classes):
    ours, theirs = SAME_INTERCEPT[intercept]
    X, y = _data(n_classes)
    svm = L2SVM(C=C, tol=1e-10, max_iter=10_000, **ours).fit(X, y)
    reference = LinearSVC(
        C=C, loss="squared_hinge", dual=False, tol=1e-12, max_iter=100_000, **theirs
    ).fit(X, y)
    assert svm.coef_.shape == reference.coef_.shape
    # LinearSVC's intercept_scaling=1e4 regularizes by (b / 1e4)^2 / 2: its
    # solution is near-optimal, not optimal, for the unregularized problem
    bounds = _assert_same_solution(svm, X, y, reference.coef_, reference.intercept_)
    np.testing.assert_array_equal(svm.classes_, reference.classes_)
    np.testing.assert_array_equal(svm.predict(X), reference.predict(X))
    # a decision moves by at most |[x, 1]| times its classifier's distance
    rows = np.linalg.norm(np.hstack([X, np.ones((len(X), 1))]), axis=1)
    difference = np.abs(svm.decision_function(X) - reference.decision_function(X))
    assert np.all(difference.reshape(len(X), -1) <= rows[:, None] * bounds)
    assert svm.score(X, y) == reference.score(X, y)


def test_float32_features_give_linear_svcs_solution():
    X, y = _data(10, n_samples=600, n_features=30, dtype=np.float32)
    reference = LinearSVC(C=0.1, dual=False, tol=1e-12, max_iter=100_000).fit(X, y)
    # float32 products evaluate the objective to about 1e-8 (relative), and
    # L-BFGS stops there, with a gradient of about 1e-5 (tests above: 1e-10):
    # the bounds take the gradient in float64 at each solution
    svm = L2SVM(C=0.1, tol=1e-10).fit(X, y)
    _assert_same_solution(svm, X, y, reference.coef_, reference.intercept_)
    np.testing.assert_array_equal(svm.predict(X), reference.predict(X))
    assert svm.decision_function(X).dtype == np.float32
    # the default tolerance, the benchmark's
    svm = L2SVM(C=0.1).fit(X, y)
    _assert_same_solution(svm, X, y, reference.coef_, reference.intercept_)
    assert np.mean(svm.predict(X) == reference.predict(X)) >= 0.99


def test_max_iter_warns_and_warm_start_starts_from_the_weights():
    X, y = _data(n_samples=300)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        svm = L2SVM(C=1.0, max_iter=3).fit(X, y)
    assert svm.n_iter_ == 3
    svm = L2SVM(C=1.0, tol=1e-8, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        svm.fit(X, y)
        cold = svm.n_iter_, svm.coef_.copy(), svm.intercept_.copy()
        assert cold[0] > 20
        svm.fit(X, y)  # from its own solution
    assert svm.n_iter_ <= 2
    _assert_same_solution(svm, X, y, cold[1], cold[2])
    # from weights set by hand, as the benchmark sets those of the nearest C
    hand = L2SVM(C=1.0, tol=1e-8, warm_start=True)
    hand.coef_, hand.intercept_ = svm.coef_.copy(), svm.intercept_.copy()
    assert hand.fit(X, y).n_iter_ <= 2
    # without warm_start, or with weights of another shape: from zero
    svm.set_params(warm_start=False).fit(X, y)
    assert svm.n_iter_ == cold[0]
    hand.coef_ = hand.coef_[:, 1:]
    assert hand.fit(X, y).n_iter_ == cold[0]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"C": 0.0}, "C must be positive"),
        ({"intercept_scaling": 0.0}, "intercept_scaling must be positive"),
        ({"tol": -1.0}, "tol must be positive"),
        ({"max_iter": 0}, "max_iter must be at least 1"),
    ],
)
def test_bad_parameters(params, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        L2SVM(**params).fit(X, y)


@parametrize_with_checks([L2SVM()])
def test_scikit_learn_compatible(estimator, check):
    check(estimator)
