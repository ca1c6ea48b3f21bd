"""Constraints declared once on each Parameter and applied by every solver."""

import numpy as np
import pytest

from skscore import GBRBMScoreMatching
from skscore._objectives import OBJECTIVES
from skscore._problem import TrainingProblem, constrain, reparametrize, unconstrain
from skscore.energies import (
    BinaryUnits,
    BlockGibbs,
    EnergyModel,
    UnitBlock,
    gbrbm,
    mpot,
)
from skscore.energies._constraints import LogScaleInterval, UnitNormRows

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: a GBRBM whose filters are declared of unit norm, which the library does not ship
UNIT_GBRBM = EnergyModel(
    [
        UnitBlock(
            BinaryUnits(),
            "components",
            "n_components",
            "intercept_hidden",
            unit_norm=True,
        )
    ],
    sampler=BlockGibbs,
)


class _UnitNormGBRBM(GBRBMScoreMatching):
    _model = UNIT_GBRBM


def test_the_models_declare_their_constraints():
    assert set(mpot.MODEL.constraints) == {"covariance_components", "log_visible_std"}
    assert isinstance(mpot.MODEL.constraints["covariance_components"], UnitNormRows)
    interval = gbrbm.MODEL.parameters["log_visible_std"].constraint
    assert isinstance(interval, LogScaleInterval) and interval.factor == 1e6
    assert gbrbm.MODEL.parameters["components"].constraint is None


@pytest.mark.parametrize(
    "bijection, free",
    [
        (UnitNormRows(), np.random.default_rng(0).normal(size=(3, 4))),
        (LogScaleInterval(1e6).bijection(2.0), np.array(1.7)),
    ],
    ids=["unit-norm-rows", "interval"],
)
def test_pullback_is_the_gradient_through_the_map(bijection, free):
    weights = np.random.default_rng(1).normal(size=np.shape(free))

    def objective(params):
        return float(np.sum(weights * params["p"] ** 3)), {
            "p": 3 * weights * params["p"] ** 2
        }

    on_free = reparametrize(objective, {"p": bijection})
    _, grads = on_free({"p": free})
    step = 1e-6
    numeric = np.zeros(np.shape(free))
    for index in np.ndindex(np.shape(free)):
        delta = np.zeros(np.shape(free))
        delta[index] = step
        numeric[index] = (
            on_free({"p": free + delta})[0] - on_free({"p": free - delta})[0]
        ) / (2 * step)
    # central differences: the rounding of a loss of size ~10 over 2 step
    # (~1e-9) plus step**2 times its third derivatives (~1e-10)
    np.testing.assert_allclose(grads["p"], numeric, rtol=0, atol=1e-8)
    # and the map is onto the set, from the start the inverse gives
    value = constrain({"p": free}, {"p": bijection})["p"]
    again = constrain(unconstrain({"p": value}, {"p": bijection}), {"p": bijection})
    np.testing.assert_allclose(again["p"], value, rtol=8 * np.finfo(float).eps)


def test_adam_checks_the_interval_that_lbfgs_steps_through():
    problem = TrainingProblem(
        gbrbm.MODEL,
        OBJECTIVES["sm"],
        alpha=0.0,
        scale=2.0,
        noise=0.1,
        n_noise_samples=1,
        learns_visible_std=True,
        name="the loss",
    )
    assert set(problem.reparametrized(bounded_steps=False)) == {"log_visible_std"}
    assert problem.reparametrized(bounded_steps=True) == {}
    low = np.log(2.0) - np.log(1e6)
    assert problem.outside({"log_visible_std": np.array(low * 1.01)}, {}) == [
        "log_visible_std"
    ]
    assert problem.outside({"log_visible_std": np.array(low * 0.99)}, {}) == []


@pytest.mark.parametrize(
    "objective, method", [("sm", "fit"), ("pcd", "fit"), ("dsm", "partial_fit")]
)
def test_every_solver_keeps_declared_unit_norm_rows(objective, method):
    X = np.random.default_rng(0).normal(size=(200, 5))
    model = _UnitNormGBRBM(3, objective=objective, max_iter=5, random_state=0)
    getattr(model, method)(X)
    norms = np.linalg.norm(model.components_, axis=1)
    # one normalization: a few roundings of a sum of 5 squares
    np.testing.assert_allclose(norms, 1, rtol=0, atol=8 * np.finfo(float).eps)
    plain = GBRBMScoreMatching(3, objective=objective, max_iter=5, random_state=0)
    assert not np.allclose(
        np.linalg.norm(getattr(plain, method)(X).components_, axis=1), 1
    )
