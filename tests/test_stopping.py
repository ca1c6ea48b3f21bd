"""When L-BFGS fits stop: the stopping rule, its held-out rows, the warning."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skscore import DenoisingSMTransformer, GBRBMScoreMatching, MPoTAutoencoder
from skscore._data_checks import validation_split
from skscore._optim import _NoImprovement, minimize_lbfgs


@pytest.fixture(scope="module")
def X():
    return StandardScaler().fit_transform(load_digits().data[:400])


def test_rule_stops_once_a_window_brings_under_tol_of_the_progress():
    # from 100, the loss halves at every iterate: at iterate k (1-based) the
    # window of two gained 100 * (0.5**(k-2) - 0.5**k) = 300 * 0.5**k, the
    # whole fit 100 * (1 - 0.5**k); the ratio is 20% at k = 4, 9.7% at k = 5
    rule = _NoImprovement(tol=0.1, n_iter_no_change=2)
    rule.start = 100.0
    for k in range(1, 12):
        if rule.update(100 * 0.5**k, np.array([k])):
            break
    assert k == 5 and rule.best_x == 5


def test_rule_stops_when_the_monitored_loss_rises_and_keeps_the_best_point():
    rule = _NoImprovement(tol=0.0, n_iter_no_change=3)
    rule.start = 10.0
    losses = [9.0, 8.0, 7.0, 7.5, 8.0, 9.0]
    stops = [rule.update(loss, np.array([i])) for i, loss in enumerate(losses)]
    assert stops == [False, False, False, False, False, True]
    assert rule.best_x == 2


def test_a_slow_start_is_not_convergence():
    # the first iterates barely move a loss that later falls far: relative to
    # the progress made so far, they are not a plateau
    rule = _NoImprovement(tol=0.01, n_iter_no_change=3)
    rule.start = 0.0
    losses = [-1e-6, -2e-6, -3e-6, -4e-6, -5e-6, -1.0, -2.0]
    assert not any(rule.update(loss, np.array([loss])) for loss in losses)


def test_minimize_returns_the_iterate_of_lowest_validation_loss():
    # training pulls x to 1, the held-out loss is lowest at 0.5 on the way
    def objective(params):
        x = params["x"]
        return float(np.sum((x - 1) ** 2)), {"x": 2 * (x - 1)}

    def validation(params):
        x = params["x"]
        return float(np.sum((x - 0.5) ** 2)), {"x": 2 * (x - 0.5)}

    def skewed(params):  # an ill-conditioned quadratic: many iterations
        loss, grads = objective({"x": params["x"] * SCALES})
        return loss, {"x": grads["x"] * SCALES}

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        params, curve, n_iter, validation_curve = minimize_lbfgs(
            skewed,
            {"x": np.zeros(4)},
            ["x"],
            max_iter=200,
            tol=1e-3,
            n_iter_no_change=3,
            validation=lambda p: validation({"x": p["x"] * SCALES}),
            verbose=0,
            name="q",
        )
    assert n_iter < 200 and len(validation_curve) == len(curve) == n_iter
    at_returned, _ = validation({"x": params["x"] * SCALES})
    assert at_returned == min(validation_curve)
    assert validation_curve[-1] > min(validation_curve)


SCALES = np.array([1.0, 3.0, 10.0, 30.0])


@pytest.mark.parametrize(
    "model",
    [
        GBRBMScoreMatching(16, random_state=0),
        GBRBMScoreMatching(16, objective="dsm", noise=0.3, random_state=0),
        GBRBMScoreMatching(16, validation_fraction=None, random_state=0),
        MPoTAutoencoder(8, 8, visible_std="learn", random_state=0),
    ],
)
def test_a_fit_that_converges_does_not_warn(X, model):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # the mPoT's null directions
        model.fit(X)
    assert model.n_iter_ < model.max_iter
    held_out = model.validation_fraction is not None
    assert len(model.validation_loss_curve_) == (model.n_iter_ if held_out else 0)


def test_a_fit_cut_short_by_max_iter_warns(X):
    with pytest.warns(ConvergenceWarning, match="max_iter=3 before"):
        model = GBRBMScoreMatching(16, max_iter=3, random_state=0).fit(X)
    assert model.n_iter_ == 3


def test_the_validation_curve_is_the_loss_on_the_held_out_rows(X):
    model = GBRBMScoreMatching(8, max_iter=5, validation_fraction=0.2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X)
    # the split fit draws after the starting point, from the same generator
    rng = np.random.RandomState(0)
    model._init_params(X, rng, model._data_scale(X))
    X_fit, X_val = validation_split(X, model.validation_fraction, rng)
    assert len(X_val) == np.ceil(0.2 * len(X)) and len(X_fit) + len(X_val) == len(X)
    rows = {row.tobytes() for row in X}
    assert {row.tobytes() for row in np.vstack([X_fit, X_val])} == rows
    # the parameters kept are those of the lowest validation loss: the
    # score matching loss (score's, with alpha=0) on the held-out rows
    assert -model.score(X_val) == pytest.approx(
        min(model.validation_loss_curve_), rel=1e-12
    )


def test_a_fraction_that_leaves_no_row_to_fit_raises():
    X = np.random.default_rng(0).normal(size=(3, 4))
    with pytest.raises(ValueError, match="validation_fraction=0.9 of 3 rows"):
        GBRBMScoreMatching(2, validation_fraction=0.9).fit(X)


def test_the_meta_estimator_passes_the_stopping_settings(X):
    dsm = DenoisingSMTransformer(
        GBRBMScoreMatching(8, tol=0.05, n_iter_no_change=5), random_state=0
    ).fit(X)
    assert dsm.estimator_.get_params()["n_iter_no_change"] == 5
    assert dsm.estimator_.n_iter_ == len(dsm.estimator_.validation_loss_curve_)
