"""A new energy model is one short declaration, and an estimator names it.

The model of this file, which the library does not ship, has log-cosh
experts: with ``u = v / sigma`` and ``z = W u + c``,

    F(v) = 1/2 ||u - b||^2 + sum_j log cosh(z_j),

a log-concave density: each expert adds precision along its filter, so the
filters turn to the directions in which the data vary least.
"""

from numbers import Integral

import numpy as np
import pytest
from gradcheck import gradient_errors, hessian_diagonal
from sklearn.utils._param_validation import Interval
from tolerances import FACTOR

from skscore._base import _BaseScoreMatching
from skscore.energies import EnergyModel, HamiltonianMC, UnitBlock, Units


class LogCoshUnits(Units):
    """``rho(z) = log cosh z``: ``rho' = t``, ``rho'' = 1 - t^2`` with ``t = tanh z``.

    The energy is that of a deterministic expert: all of ``-rho'' S`` in the
    score matching objective is curvature, none is variance.
    """

    def derivatives(self, Z, out):
        P1 = np.tanh(Z, out=out[0])
        if len(out) > 1:
            P2 = np.multiply(P1, P1, out=out[1])
            np.subtract(1, P2, out=P2)
        if len(out) > 2:
            P3 = np.multiply(P1, P2, out=out[2])
            P3 *= -2

    def potential(self, Z):
        return (np.logaddexp(Z, -Z) - np.log(2)).sum(axis=0)

    def expectations(self, Z):
        return np.tanh(Z)

    def mean_curvature(self, Z):
        return 1 - np.tanh(Z) ** 2


MODEL = EnergyModel(
    [
        UnitBlock(
            LogCoshUnits(),
            "components",
            "n_components",
            bias="intercept_hidden",
            decayed=True,
        )
    ],
    sampler=HamiltonianMC,
)


class LogCoshScoreMatching(_BaseScoreMatching):
    """The log-cosh expert model trained by score matching."""

    _parameter_constraints: dict = {
        **_BaseScoreMatching._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_leapfrog_steps": [Interval(Integral, 1, None, closed="left")],
    }

    _model = MODEL

    def __init__(
        self,
        n_components=4,
        *,
        visible_std="learn",
        objective="sm",
        encoding="expectation",
        threshold=0.5,
        noise=0.1,
        n_noise_samples=1,
        n_leapfrog_steps=10,
        alpha=0.0,
        max_iter=100,
        tol=1e-6,
        n_iter_no_change=10,
        validation_fraction=0.1,
        batch_size=100,
        learning_rate=0.01,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.visible_std = visible_std
        self.objective = objective
        self.encoding = encoding
        self.threshold = threshold
        self.noise = noise
        self.n_noise_samples = n_noise_samples
        self.n_leapfrog_steps = n_leapfrog_steps
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.validation_fraction = validation_fraction
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose


def _params(rng, n_units=3, n_features=4):
    return {
        "components": rng.normal(size=(n_units, n_features)),
        "intercept_hidden": rng.normal(size=n_units),
        "intercept_visible": rng.normal(size=n_features),
        "log_visible_std": np.asarray(np.log(0.7)),
    }


ROTATION = np.linalg.qr(np.random.default_rng(1).normal(size=(4, 4)))[0]


def _data(n_samples, seed=0):
    """Rotated Gaussian rows whose last two directions have a third of the variance."""
    sources = np.random.default_rng(seed).normal(size=(n_samples, 4))
    return (sources * [1.0, 1.0, 0.6, 0.6]) @ ROTATION.T


@pytest.mark.parametrize("objective", ["sm", "ae", "dsm", "contrastive"])
def test_gradients_match_finite_differences(objective):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 4))
    noise_draws = 0.3 * rng.normal(size=(2, 6, 4))
    params = _params(rng)
    objectives = {
        "sm": lambda p: MODEL.sm(X, p),
        "ae": lambda p: MODEL.ae(X, p),
        "dsm": lambda p: MODEL.dsm(X, p, noise_draws, 0.3),
        "contrastive": lambda p: MODEL.contrastive(X, X[:4] + noise_draws[0, :4], p),
    }
    # the contrastive loss is a difference of mean free energies: it is
    # rounded to their size, not to its own
    samples = X[:4] + noise_draws[0, :4]
    scale = np.abs(MODEL.free_energy(X, params)).mean()
    scale += np.abs(MODEL.free_energy(samples, params)).mean()
    errors = gradient_errors(objectives[objective], params, scale=scale)
    assert set(errors) == set(params) == set(MODEL.trainable)
    assert max(errors.values()) < 1, errors  # within the differences' own error


def test_sm_terms_against_the_hessian_diagonal_of_the_free_energy():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 4))
    params = _params(rng)
    per_row, per_row_error = [], []
    for v in X:
        grad, diag, grad_error, diag_error = hessian_diagonal(
            lambda v: MODEL.free_energy(v[None], params)[0], v
        )
        closed_form = MODEL.grad_free_energy(v[None], params)[0]
        assert np.all(np.abs(closed_form - grad) <= FACTOR * grad_error)
        per_row.append(np.sum(0.5 * grad**2 - diag))
        # the error of J(v) = sum 1/2 g^2 - d, to first order in the errors
        per_row_error.append(np.sum(np.abs(grad) * grad_error + diag_error))
    per_row, per_row_error = np.array(per_row), np.array(per_row_error)
    terms = MODEL.sm_terms(X, params)
    assert np.all(np.abs(terms.sum(axis=1) - per_row) <= FACTOR * per_row_error)
    np.testing.assert_array_equal(terms[:, 1], 0)  # no variance term
    loss = MODEL.sm(X, params)[0]
    assert abs(loss - per_row.mean()) <= FACTOR * per_row_error.mean()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_estimator_that_names_the_model_fits_transforms_and_scores():
    X, X_test = _data(2000), _data(500, seed=2)
    model = LogCoshScoreMatching(2, random_state=0).fit(X)
    assert model.components_.shape == (2, 4) and model.intercept_hidden_.shape == (2,)
    assert model.visible_std_ > 0 and model.loss_curve_[-1] < model.loss_curve_[0]
    features = model.transform(X_test)
    assert features.shape == (500, 2) and np.all(np.abs(features) <= 1)
    untrained = LogCoshScoreMatching(2, max_iter=1, random_state=0).fit(X)
    assert model.score(X_test) > untrained.score(X_test) + 0.1
    # the filters lie in the plane of low variance
    filters = model.components_ / np.linalg.norm(model.components_, axis=1)[:, None]
    np.testing.assert_allclose(
        np.linalg.norm(filters @ ROTATION[:, 2:], axis=1), 1, atol=0.05
    )

    # the other regimes: minibatch Adam by partial_fit, PCD on HMC chains
    streamed = LogCoshScoreMatching(2, random_state=0)
    for start in range(0, 2000, 500):
        streamed.partial_fit(X[start : start + 500])
    assert streamed.n_iter_ == 4 and streamed.score(X_test) > untrained.score(X_test)
    pcd = LogCoshScoreMatching(2, objective="pcd", max_iter=2, random_state=0).fit(X)
    assert 0 < pcd.acceptance_rate_ <= 1
    assert pcd.sample(3, n_steps=2, random_state=0).shape == (3, 4)
