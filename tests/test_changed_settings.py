"""Settings changed after fit or between partial_fit calls: honoured or refused."""

import numpy as np
import pytest
from sklearn.base import clone

from skscore import DenoisingSMTransformer, GBRBMScoreMatching, MPoTAutoencoder

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X = np.random.default_rng(0).standard_normal((120, 6))


@pytest.mark.parametrize(
    "model, change",
    [
        (GBRBMScoreMatching(3, random_state=0), {"objective": "cd"}),
        (GBRBMScoreMatching(3, objective="pcd", random_state=0), {"objective": "sm"}),
        (MPoTAutoencoder(3, 2, random_state=0), {"objective": "fpcd"}),
        (GBRBMScoreMatching(3, random_state=0), {"visible_std": 0.5}),
        (
            GBRBMScoreMatching(3, visible_std=1.0, random_state=0),
            {"visible_std": "learn"},
        ),
    ],
)
def test_a_change_the_trainer_cannot_take_is_refused_until_fit(model, change):
    model.partial_fit(X)
    (name,) = change
    before = model.get_params()[name]
    with pytest.raises(ValueError, match=f"{name} was .*call fit to start again"):
        model.set_params(**change).partial_fit(X)
    # set back, training continues; or fit starts again under the new setting
    model.set_params(**{name: before}).partial_fit(X)
    assert model.n_iter_ == 2
    model.set_params(**change, max_iter=1).fit(X)
    model.partial_fit(X)


def test_a_new_fixed_visible_std_is_honoured():
    model = GBRBMScoreMatching(3, visible_std=1.0, random_state=0).partial_fit(X)
    model.set_params(visible_std=0.5).partial_fit(X)
    # kept as its logarithm: exp(log(0.5)) is 0.5 within a few roundings
    assert model.visible_std_ == pytest.approx(0.5, rel=4 * np.finfo(float).eps)


def test_a_new_learning_rate_is_honoured_from_the_next_call():
    model = GBRBMScoreMatching(3, objective="cd", random_state=0).partial_fit(X)
    # a fresh model at this rate is refused at its first step: so must this
    # one, at the first step of this call
    steps = model._trainer.adam.count
    with pytest.raises(
        ValueError, match=f"Adam step {steps + 1} .*learning_rate=1e\\+39 is too large"
    ):
        model.set_params(learning_rate=1e39).partial_fit(X)


def _steps_of_one_call(model, counter):
    """The Markov chain steps taken by one more partial_fit call."""
    counter.clear()
    model.partial_fit(X)
    return sum(counter)


@pytest.mark.parametrize(
    "model, name",
    [
        (GBRBMScoreMatching(3, objective="cd", batch_size=60), "n_gibbs_steps"),
        (
            MPoTAutoencoder(3, 2, objective="pcd", batch_size=60, n_leapfrog_steps=2),
            "n_leapfrog_steps",
        ),
    ],
)
def test_new_numbers_of_chain_steps_are_honoured_from_the_next_call(
    model, name, monkeypatch
):
    model.set_params(random_state=0).partial_fit(X)
    counter = []
    energy = type(model)._model
    run = energy.sampler.run

    def counting_run(self, experts, V, n_steps, rng):
        counter.append(
            n_steps * (self.n_leapfrog_steps if name == "n_leapfrog_steps" else 1)
        )
        return run(self, experts, V, n_steps, rng)

    monkeypatch.setattr(energy.sampler, "run", counting_run)
    assert _steps_of_one_call(model, counter) == 2 * model.get_params()[name]
    model.set_params(**{name: 5})
    assert _steps_of_one_call(model, counter) == 2 * 5


def test_a_new_random_state_reseeds_the_next_call():
    first = GBRBMScoreMatching(3, objective="dsm", random_state=0).partial_fit(X)
    second = clone(first).partial_fit(X)
    first.set_params(random_state=1).partial_fit(X)
    second.partial_fit(X)
    assert not np.allclose(first.components_, second.components_)
    # the same as a model whose trainer was seeded by 1 at that point
    third = clone(second).set_params(random_state=0).partial_fit(X)
    third._trainer = third._trainer._replace(rng=np.random.RandomState(1))
    third.partial_fit(X)
    np.testing.assert_array_equal(third.components_, first.components_)


def test_the_meta_estimator_passes_changed_settings_to_its_clone():
    model = DenoisingSMTransformer(GBRBMScoreMatching(3), random_state=0)
    model.partial_fit(X)
    model.set_params(noise=0.5, estimator__learning_rate=0.02).partial_fit(X)
    assert model.estimator_.noise == 0.5
    # the solver is built from the estimator's settings at every call
    assert model.estimator_.learning_rate == 0.02
    with pytest.raises(ValueError, match="visible_std was 'learn'"):
        model.set_params(estimator__visible_std=2.0).partial_fit(X)


def test_the_meta_estimator_honours_its_estimators_warm_start():
    estimator = GBRBMScoreMatching(3, max_iter=3, warm_start=True)
    model = DenoisingSMTransformer(estimator, random_state=0).fit(X)
    fitted = model.estimator_
    model.fit(X)
    assert model.estimator_ is fitted
    # the same as the wrapped estimator's own warm start, fitted twice
    direct = clone(estimator).set_params(objective="dsm", random_state=0)
    direct.fit(X).fit(X)
    np.testing.assert_array_equal(model.estimator_.components_, direct.components_)
    cold = DenoisingSMTransformer(
        estimator.set_params(warm_start=False), random_state=0
    )
    assert not np.array_equal(cold.fit(X).estimator_.components_, direct.components_)


@pytest.mark.parametrize(
    "setting, match",
    [
        ({"learning_rate": -0.01}, "learning_rate"),
        ({"alpha": -5.0}, "alpha"),
        ({"batch_size": 0}, "batch_size"),
        ({"objective": "bogus"}, "objective"),
        ({"threshold": float("nan")}, "threshold"),
        ({"n_noise_samples": 0}, "n_noise_samples"),
        ({"max_iter": -1}, "max_iter"),
    ],
)
def test_partial_fit_revalidates_settings_changed_after_fit(setting, match):
    # scikit-learn's fit context validates a partial_fit's parameters only
    # on the first call: an invalid setting made after it must still be refused
    X = np.random.default_rng(0).normal(size=(40, 5))
    model = GBRBMScoreMatching(n_components=3, max_iter=3, random_state=0).fit(X)
    model.set_params(**setting)
    with pytest.raises(ValueError, match=match):
        model.partial_fit(X)


def test_denoise_refuses_step_counts_past_its_bound():
    X = np.random.default_rng(0).normal(size=(20, 4))
    model = GBRBMScoreMatching(n_components=2, max_iter=3, random_state=0).fit(X)
    with pytest.raises(ValueError, match="n_steps must be an integer from 0 to"):
        model.denoise(X, n_steps=10**9)


def test_plotting_names_shapes_and_models_it_cannot_draw():
    from skscore.plotting import plot_filters, plot_mpot_filters

    X = np.random.default_rng(0).normal(size=(30, 8))
    model = GBRBMScoreMatching(n_components=4, max_iter=3, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"image_shape must be .* got \(2, 2, 2\)"):
        plot_filters(model.components_, (2, 2, 2))
    with pytest.raises(TypeError, match="plot_mpot_filters draws an MPoTAutoencoder"):
        plot_mpot_filters(model, (2, 2, 2))
