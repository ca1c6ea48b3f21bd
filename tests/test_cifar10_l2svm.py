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
    numerical = numerical_gradient(lambda p: objective(p["theta"])[0], {"theta": theta})
    np.testing.assert_allclose(grad, numerical["theta"], rtol=1e-6, atol=1e-8)
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
    assert value == pytest.approx(primal / (svm.C * len(X)), rel=1e-12)
    # and without an intercept
    svm = L2SVM(C=0.3, fit_intercept=False)
    objective = _objective(svm, X, y)
    theta = theta[: W.size]
    numerical = numerical_gradient(lambda p: objective(p["theta"])[0], {"theta": theta})
    np.testing.assert_allclose(
        objective(theta)[1], numerical["theta"], rtol=1e-6, atol=1e-8
    )


def test_chunks_and_float32_products_give_the_same_objective():
    X, y = _data(n_samples=500, n_features=20)
    svm = L2SVM(C=0.3)
    theta = np.random.default_rng(1).normal(0, 0.5, _n_parameters(svm, X, y))
    value, grad = _objective(svm, X, y)(theta)
    with config_context(working_memory=2**-12):  # 1 KiB: chunks of 6 rows
        chunked = _objective(svm, X, y)(theta)
    assert chunked[0] == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(chunked[1], grad, rtol=1e-12, atol=1e-14)
    # float32 features: float32 products, float64 sums, close to float64's
    value32, grad32 = _objective(svm, X.astype(np.float32), y)(theta)
    assert value32 == pytest.approx(value, rel=1e-5)
    np.testing.assert_allclose(grad32, grad, rtol=0, atol=1e-5 * np.abs(grad).max())


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
    scale = np.abs(reference.coef_).max()
    np.testing.assert_allclose(svm.coef_, reference.coef_, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(
        svm.intercept_, reference.intercept_, rtol=0, atol=1e-4 * scale
    )
    np.testing.assert_array_equal(svm.classes_, reference.classes_)
    np.testing.assert_array_equal(svm.predict(X), reference.predict(X))
    np.testing.assert_allclose(
        svm.decision_function(X),
        reference.decision_function(X),
        rtol=0,
        atol=1e-4 * np.abs(reference.decision_function(X)).max(),
    )
    assert svm.score(X, y) == reference.score(X, y)


def test_float32_features_give_linear_svcs_solution():
    X, y = _data(10, n_samples=600, n_features=30, dtype=np.float32)
    reference = LinearSVC(C=0.1, dual=False, tol=1e-12, max_iter=100_000).fit(X, y)
    scale = np.abs(reference.coef_).max()
    # float32 products evaluate the objective to about 1e-8 (relative), and
    # L-BFGS stops there, with a gradient of about 1e-5 (tests above: 1e-10)
    svm = L2SVM(C=0.1, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(svm.coef_, reference.coef_, rtol=0, atol=1e-3 * scale)
    np.testing.assert_array_equal(svm.predict(X), reference.predict(X))
    assert svm.decision_function(X).dtype == np.float32
    # the default tolerance, the benchmark's
    svm = L2SVM(C=0.1).fit(X, y)
    np.testing.assert_allclose(svm.coef_, reference.coef_, rtol=0, atol=3e-3 * scale)
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
        cold = svm.n_iter_, svm.coef_.copy()
        assert cold[0] > 20
        svm.fit(X, y)  # from its own solution
    assert svm.n_iter_ <= 2
    np.testing.assert_allclose(svm.coef_, cold[1], rtol=0, atol=1e-6)
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
