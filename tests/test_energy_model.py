"""EnergyModelTransformer fits a model a user declares, by every objective.

The model of this file, which the library does not ship, has a block of
*sharp log-cosh* experts of a unit type written here, with a hyperparameter,
beside a block of binary units: with ``u = v / sigma``,

    F(v) = 1/2 ||u - b||^2 + sum_k log cosh(beta z_k) / beta
           - sum_j softplus(a_j),     z = C u + c,  a = W u + d.
"""

import pickle

import numpy as np
import pytest
from estimator_checks import parametrize_with_runnable_checks
from gradcheck import gradient_errors
from sklearn.base import clone
from tolerances import input_rounding_atol

from skscore import (
    ConvolutionalFeaturizer,
    DenoisingSMTransformer,
    EnergyModelTransformer,
    GBRBMScoreMatching,
    MPoTAutoencoder,
)
from skscore.energies import (
    BinaryUnits,
    EnergyModel,
    HamiltonianMC,
    UnitBlock,
    Units,
    gaussian,
    gbrbm,
    mpot,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class SharpLogCoshUnits(Units):
    """``rho(z) = log cosh(beta z) / beta``; with ``t = tanh(beta z)``,
    ``rho' = t``, ``rho'' = beta (1 - t^2)``, ``rho''' = -2 beta^2 t (1 - t^2)``.

    A deterministic expert: all of ``rho''`` is curvature.
    """

    hyperparameters = ("sharpness",)

    def derivatives(self, Z, out, sharpness):
        P1 = np.tanh(sharpness * Z, out=out[0])
        if len(out) > 1:
            P2 = np.multiply(P1, P1, out=out[1])
            np.subtract(1, P2, out=P2)
            P2 *= sharpness
        if len(out) > 2:
            P3 = np.multiply(P1, out[1], out=out[2])
            P3 *= -2 * sharpness

    def potential(self, Z, sharpness):
        beta_z = sharpness * Z
        return ((np.logaddexp(beta_z, -beta_z) - np.log(2)) / sharpness).sum(axis=0)

    def expectations(self, Z, sharpness):
        return np.tanh(sharpness * Z)

    def mean_curvature(self, Z, sharpness):
        return sharpness * (1 - np.tanh(sharpness * Z) ** 2)


MODEL = EnergyModel(
    [
        UnitBlock(SharpLogCoshUnits(), "experts", "n_experts", bias="expert_bias"),
        UnitBlock(BinaryUnits(), "weights", "n_binary", bias="binary_bias"),
    ],
    sampler=HamiltonianMC,
)

SETTINGS = {
    "n_units": {"n_experts": 3, "n_binary": 2},
    "hyperparameters": {"sharpness": 2.0},
}

OBJECTIVES = ["sm", "dsm", "ae", "cd", "pcd", "fpcd"]


def _estimator(**params):
    settings = {"model": MODEL, **SETTINGS, "random_state": 0, **params}
    return EnergyModelTransformer(**settings)


def _data(n_samples, seed=0):
    """Rows stretched along a random direction: the experts have a direction to find."""
    rng = np.random.default_rng(seed)
    mixing = np.random.default_rng(100).normal(size=(4, 4))
    return (rng.normal(size=(n_samples, 4)) * [1.0, 1.0, 1.0, 0.3]) @ mixing


def _params(rng, dtype=np.float64):
    params = {
        "experts": rng.normal(size=(3, 4)),
        "weights": 0.5 * rng.normal(size=(2, 4)),
        "expert_bias": rng.normal(size=3),
        "binary_bias": rng.normal(size=2),
        "intercept_visible": rng.normal(size=4),
        "log_visible_std": np.log(0.8),
        "sharpness": 2.0,
    }
    return {name: np.asarray(value, dtype=dtype) for name, value in params.items()}


def test_the_declared_model_has_the_parameters_it_names():
    assert list(MODEL.parameters) == [
        "experts",
        "weights",
        "expert_bias",
        "binary_bias",
        "intercept_visible",
        "log_visible_std",
        "sharpness",
    ]
    assert MODEL.hyperparameters == ("sharpness",)


@pytest.mark.parametrize("objective", ["sm", "dsm", "ae", "contrastive"])
def test_closed_form_gradients_match_finite_differences(objective):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 4))
    noise_draws = 0.3 * rng.normal(size=(2, 8, 4))
    samples = X[:5] + noise_draws[0, :5]
    objectives = {
        "sm": lambda p: MODEL.sm(X, p),
        "ae": lambda p: MODEL.ae(X, p),
        "dsm": lambda p: MODEL.dsm(X, p, noise_draws, 0.3),
        "contrastive": lambda p: MODEL.contrastive(X, samples, p),
    }
    params = _params(rng)
    # the contrastive loss is a difference of mean free energies: it is
    # rounded to their size, not to its own
    scale = np.abs(MODEL.free_energy(X, params)).mean()
    scale += np.abs(MODEL.free_energy(samples, params)).mean()
    errors = gradient_errors(objectives[objective], params, scale=scale)
    assert set(errors) == set(MODEL.trainable)
    assert max(errors.values()) < 1, errors  # within the differences' own error


def test_float32_gradients_are_the_float64_ones_rounded():
    rng = np.random.default_rng(1)
    inputs = {"X": rng.normal(size=(20, 4)), **_params(rng)}

    def gradients(inputs):
        X = inputs["X"]
        params = {name: value for name, value in inputs.items() if name != "X"}
        return np.concatenate([g.ravel() for g in MODEL.sm(X, params)[1].values()])

    single = gradients({k: v.astype(np.float32) for k, v in inputs.items()})
    atol = input_rounding_atol(gradients, inputs, np.float32)
    np.testing.assert_array_less(np.abs(single - gradients(inputs)), atol)


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_every_objective_fits_the_declared_model(objective):
    X, X_test = _data(600), _data(300, seed=1)
    untrained = _estimator(max_iter=1, objective="sm").fit(X)
    estimator = _estimator(
        objective=objective,
        max_iter=30 if objective in ("sm", "dsm", "ae") else 5,
        noise=0.3,
        sampler_settings={"n_leapfrog_steps": 5},
        batch_size=100,
    ).fit(X)
    assert estimator.experts_.shape == (3, 4) and estimator.weights_.shape == (2, 4)
    assert estimator.expert_bias_.shape == (3,) and estimator.binary_bias_.shape == (2,)
    assert len(estimator.loss_curve_) == estimator.n_iter_
    assert np.all(np.isfinite(estimator.loss_curve_))
    assert not np.allclose(estimator.experts_, untrained.experts_)
    assert estimator.transform(X_test).shape == (300, 2 * 5)
    if objective in ("sm", "dsm"):
        assert estimator.score(X_test) > untrained.score(X_test)
    if objective in ("sm", "dsm", "ae"):
        assert estimator.loss_curve_[-1] < estimator.loss_curve_[0]
    else:
        assert 0 < estimator.acceptance_rate_ <= 1
    assert estimator.sample(3, n_steps=2, random_state=0).shape == (3, 4)


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_the_built_in_models_give_the_built_in_estimators_numbers(objective):
    X = _data(200)
    common = {"objective": objective, "max_iter": 3, "random_state": 0}
    pairs = [
        (
            GBRBMScoreMatching(3, n_gibbs_steps=2, **common),
            EnergyModelTransformer(
                gbrbm.MODEL, 3, sampler_settings={"n_gibbs_steps": 2}, **common
            ),
        ),
        (
            MPoTAutoencoder(2, 3, gamma=2.0, n_leapfrog_steps=4, **common),
            EnergyModelTransformer(
                mpot.MODEL,
                {"n_covariance": 2, "n_mean": 3},
                hyperparameters={"gamma": 2.0},
                sampler_settings={"n_leapfrog_steps": 4},
                learning_rate=0.03,  # the mPoT's default
                **common,
            ),
        ),
    ]
    for built_in, generic in pairs:
        built_in.fit(X), generic.fit(X)
        np.testing.assert_array_equal(generic.components_, built_in.components_)
        np.testing.assert_array_equal(generic.transform(X), built_in.transform(X))
        assert generic.loss_curve_ == built_in.loss_curve_


def test_a_model_with_unit_visible_variance_needs_visible_std_1():
    X = _data(200)
    with pytest.raises(ValueError, match="learns_visible_std=False.*visible_std=1.0"):
        EnergyModelTransformer(gaussian.MODEL, 2).fit(X)
    fitted = EnergyModelTransformer(gaussian.MODEL, 2, visible_std=1.0).fit(X)
    assert fitted.visible_std_ == 1.0
    assert fitted.score(X) > EnergyModelTransformer(
        gaussian.MODEL, 2, visible_std=1.0, max_iter=1
    ).fit(X).score(X)


def test_parameters_are_stored_as_given_cloned_and_set():
    estimator = _estimator(max_iter=4)
    params = estimator.get_params()
    assert params["model"] is MODEL and params["n_units"] is SETTINGS["n_units"]
    twin = clone(estimator)
    assert twin.get_params().keys() == params.keys()
    assert twin.n_units == SETTINGS["n_units"] and twin.model is not MODEL
    # the model's axis, hyperparameter and sampler setting read as attributes
    assert (twin.n_experts, twin.n_binary, twin.sharpness) == (3, 2, 2.0)
    assert twin.n_leapfrog_steps == 20  # the sampler's default
    twin.set_params(n_units=4, sampler_settings={"n_leapfrog_steps": 3})
    assert (twin.n_experts, twin.n_binary, twin.n_leapfrog_steps) == (4, 4, 3)
    assert not hasattr(twin, "n_components") and not hasattr(twin, "_missing")
    X = _data(100)
    restored = pickle.loads(pickle.dumps(estimator.fit(X)))
    np.testing.assert_array_equal(restored.transform(X), estimator.transform(X))


def test_a_changed_hyperparameter_is_refused_until_refit():
    X = _data(100)
    estimator = _estimator(max_iter=3).fit(X)
    estimator.set_params(hyperparameters={"sharpness": 3.0})
    with pytest.raises(ValueError, match="sharpness changed since fit"):
        estimator.transform(X)
    assert estimator.fit(X).transform(X).shape == (100, 10)


def test_feature_names_name_the_blocks():
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(_data(100), columns=["a", "b", "c", "d"])
    estimator = _estimator(max_iter=3, encoding="relu").set_output(transform="pandas")
    out = estimator.fit_transform(frame)
    assert list(out.columns) == [
        f"energymodeltransformer_{name}"
        for name in ("experts0", "experts1", "experts2", "binary0", "binary1")
    ]
    single = EnergyModelTransformer(gbrbm.MODEL, 2, max_iter=3).fit(frame)
    assert list(single.get_feature_names_out()) == [
        "energymodeltransformer_unit0_pos",
        "energymodeltransformer_unit1_pos",
        "energymodeltransformer_unit0_neg",
        "energymodeltransformer_unit1_neg",
    ]
    np.testing.assert_array_equal(single.feature_names_in_, ["a", "b", "c", "d"])


def test_the_meta_estimator_and_the_featurizer_take_it():
    X = _data(200)
    dsm = DenoisingSMTransformer(_estimator(max_iter=3), noise=0.5).fit(X)
    direct = _estimator(max_iter=3, objective="dsm", noise=0.5).fit(X)
    np.testing.assert_array_equal(dsm.transform(X), direct.transform(X))
    images = np.random.default_rng(0).normal(size=(20, 64))
    featurizer = ConvolutionalFeaturizer(
        _estimator(max_iter=3),
        patch_size=3,
        image_shape=(1, 8, 8),
        n_patches=300,
        random_state=0,
    ).fit(images)
    names = featurizer.get_feature_names_out()
    assert featurizer.transform(images).shape == (20, len(names)) == (20, 40)
    assert any("experts2" in name for name in names)
    assert any("binary1" in name for name in names)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_units": {"n_experts": 3}}, r"\['n_binary'\] are missing"),
        ({"n_units": {**SETTINGS["n_units"], "n_other": 1}}, "are not the model's"),
        ({"n_units": {"n_experts": 3, "n_binary": 0}}, "positive integers"),
        ({"n_units": {"n_experts": True, "n_binary": 2}}, "positive integers"),
        ({"n_units": 0}, "n_units"),
        ({"n_units": True}, "not the boolean"),
        ({"hyperparameters": None}, r"\['sharpness'\] are missing"),
        ({"hyperparameters": {"sharpness": np.inf}}, "finite numbers"),
        ({"hyperparameters": {"sharpness": "2"}}, "finite numbers"),
        ({"sampler_settings": {"n_gibbs_steps": 2}}, "are not the model's"),
        ({"sampler_settings": {"n_leapfrog_steps": 0}}, "from 1 to 10,000"),
        ({"sampler_settings": {"n_leapfrog_steps": 10**9}}, "from 1 to 10,000"),
        ({"model": gbrbm}, "'model' parameter"),
    ],
)
def test_bad_parameters_are_refused_by_name(params, match):
    with pytest.raises(ValueError, match=match):
        _estimator(**params).fit(_data(50))


def test_model_names_that_are_the_estimators_parameters_are_refused():
    clashing = EnergyModel([UnitBlock(BinaryUnits(), "components", "alpha")])
    with pytest.raises(ValueError, match=r"names \['alpha'\].*rename them"):
        EnergyModelTransformer(clashing, 2).fit(_data(50))
    clashing = EnergyModel([UnitBlock(BinaryUnits(), "components", "score")])
    with pytest.raises(ValueError, match=r"names \['score'\].*rename them"):
        EnergyModelTransformer(clashing, 2).fit(_data(50))
    with pytest.raises(ValueError, match="no block of hidden units"):
        EnergyModelTransformer(EnergyModel([]), 2).fit(_data(50))


def test_array_api_support_is_claimed_for_skscore_unit_types_only():
    # SharpLogCoshUnits computes with NumPy's functions only
    assert not _estimator().__sklearn_tags__().array_api_support
    assert EnergyModelTransformer(mpot.MODEL).__sklearn_tags__().array_api_support


# at the defaults, but for a value of the model's hyperparameter, which has none
@parametrize_with_runnable_checks(
    [
        EnergyModelTransformer(MODEL, hyperparameters={"sharpness": 1.0}),
        EnergyModelTransformer(gbrbm.MODEL),
    ]
)
def test_default_parameters_pass_the_checks(estimator, check):
    check(estimator)
