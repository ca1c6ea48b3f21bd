"""Fitting ``X * s`` gives the fit of ``X``: stopping rules are relative to the data."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from skscore import GBRBMScoreMatching, MPoTAutoencoder

SCALES = [1e-4, 1e-2, 1.0, 1e2, 1e4]


def _data(model):
    if model == "gbrbm":
        return load_digits().data[:600]
    rng = np.random.default_rng(0)
    return rng.standard_t(5, size=(600, 10)) @ rng.standard_normal((10, 10))


def _estimator(model, objective):
    # 30 iterations: beyond about 40, L-BFGS on these non-convex objectives
    # amplifies the round-off of X * s (the GBRBM's features at s = 1e-2 then
    # correlate at 0.9975 after 60 iterations). Before the stopping rules were
    # made relative, fits of X * 1e4 stopped after one iteration.
    common = {"objective": objective, "max_iter": 30, "random_state": 0}
    if model == "gbrbm":
        return GBRBMScoreMatching(16, **common)
    return MPoTAutoencoder(8, 8, visible_std="learn", **common)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("objective", ["sm", "ae"])
@pytest.mark.parametrize("model", ["gbrbm", "mpot"])
def test_fit_of_scaled_data_is_the_fit_of_the_data(model, objective):
    X = _data(model)
    reference = _estimator(model, objective).fit(X)
    features, score = reference.transform(X), reference.score(X)
    for s in SCALES:
        fitted = _estimator(model, objective).fit(X * s)
        assert abs(fitted.n_iter_ - reference.n_iter_) <= 0.1 * reference.n_iter_
        assert fitted.score(X * s) * s**2 == pytest.approx(score, rel=1e-6)
        assert fitted.visible_std_ == pytest.approx(reference.visible_std_ * s)
        live = features.std(axis=0) > 0
        for j in np.flatnonzero(live):
            r = np.corrcoef(fitted.transform(X * s)[:, j], features[:, j])[0, 1]
            assert r > 0.99999


def test_default_fit_of_digits_times_100_stops_where_that_of_digits_does():
    # the stopping rule is relative to the progress of the fit: an absolute
    # tol once stopped the fit of digits * 100 after 1 iteration
    X = load_digits().data[:500]
    models = [
        GBRBMScoreMatching(n_components=16, random_state=0).fit(X * scale)
        for scale in (1, 100)
    ]
    assert models[0].n_iter_ == models[1].n_iter_ > models[0].n_iter_no_change


@pytest.mark.parametrize(
    "params, match",
    [
        ({"objective": "dsm", "noise": 1e-4}, "noise=0.0001"),
        ({"objective": "dsm", "noise": 1e4}, "noise=1e\\+04"),
        ({"visible_std": 1e-4}, "visible_std=0.0001"),
    ],
)
def test_parameters_in_data_units_warn_far_from_the_data_scale(params, match):
    X = np.random.default_rng(0).standard_normal((100, 4))
    with pytest.warns(UserWarning, match=match + ".*units of X"):
        GBRBMScoreMatching(3, max_iter=2, **params).fit(X)
