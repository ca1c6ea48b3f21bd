"""Markov chains, maximum-likelihood objectives and ``sample``."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skscore import GBRBMScoreMatching, MPoTAutoencoder
from skscore.datasets import make_gbrbm
from skscore.energies import HamiltonianMC, gaussian, gbrbm


def _moments_close(samples, reference, n_se=5.0):
    """Means and covariances agree within ``n_se`` standard errors (and a bit)."""
    n = min(len(samples), len(reference))
    mean_se = np.sqrt(reference.var(axis=0) / n)
    np.testing.assert_array_less(
        np.abs(samples.mean(axis=0) - reference.mean(axis=0)), n_se * mean_se * 2
    )
    cov_a, cov_b = np.cov(samples.T), np.cov(reference.T)
    scale = np.sqrt(np.outer(np.diag(cov_b), np.diag(cov_b)))
    # the standard error of a covariance entry is at most sqrt(2 / n) scale
    np.testing.assert_array_less(np.abs(cov_a - cov_b), n_se * np.sqrt(2 / n) * scale)


@pytest.fixture(scope="module")
def gbrbm_data():
    X, params = make_gbrbm(
        8000, n_features=8, n_components=4, weight_scale=3.0, random_state=0
    )
    return X[:4000], X[4000:], params


def _true_score(X, params):
    return -gbrbm.sm_terms(X, params).sum(axis=1).mean()


def test_make_gbrbm_agrees_with_a_long_gibbs_chain(gbrbm_data):
    X, _, params = gbrbm_data
    rng = np.random.default_rng(1)
    start = rng.normal(size=(4000, 8))  # far from the model
    samples = gbrbm.MODEL.sample(start, params, 100, rng)  # block Gibbs
    _moments_close(samples, X)


def _gaussian_model(rng, D=5, K=3):
    params = {
        "components": 0.8 * rng.normal(size=(K, D)) / np.sqrt(D),
        "intercept_hidden": rng.normal(size=K),
        "intercept_visible": rng.normal(size=D),
        "log_visible_std": np.asarray(0.0),
    }
    # F(v) = |v - b|^2 / 2 - |W v + c|^2 / 2: precision I - W^T W
    W, c, b = (
        params["components"],
        params["intercept_hidden"],
        params["intercept_visible"],
    )
    covariance = np.linalg.inv(np.eye(D) - W.T @ W)
    return params, covariance @ (b + W.T @ c), covariance


def test_hmc_leaves_a_gaussian_invariant():
    rng = np.random.default_rng(0)
    params, mean, covariance = _gaussian_model(rng)
    exact = rng.multivariate_normal(mean, covariance, size=4000)
    samples, rates = exact, []
    for _ in range(20):
        sampler = HamiltonianMC(n_leapfrog_steps=10, step_size=0.3)  # a fixed step
        samples = gaussian.MODEL.sample(samples, params, 1, rng, sampler)
        rates.append(sampler.acceptance_rates[-1])
    assert 0.8 < np.mean(rates) < 1.0
    # the chains moved: a step of HMC decorrelates from the start
    assert np.mean(np.abs(samples - exact)) > 0.5
    _moments_close(samples, rng.multivariate_normal(mean, covariance, size=4000))


def test_hmc_reaches_a_gaussian_from_elsewhere_and_adapts_its_step():
    rng = np.random.default_rng(1)
    params, mean, covariance = _gaussian_model(rng)
    sampler = HamiltonianMC(n_leapfrog_steps=10, step_size=2.0)  # too large at first
    samples = np.full((4000, 5), 5.0)
    for _ in range(200):
        samples = gaussian.MODEL.sample(samples, params, 1, rng, sampler)
    assert sampler.step_size < 2.0
    assert abs(sampler.acceptance_rates[-1] - sampler.target_acceptance) < 0.1
    _moments_close(samples, rng.multivariate_normal(mean, covariance, size=4000))


def test_hmc_rejects_a_diverging_trajectory():
    rng = np.random.default_rng(0)
    params, _, _ = _gaussian_model(rng)
    start = rng.normal(size=(50, 5))
    sampler = HamiltonianMC(n_leapfrog_steps=20, step_size=1e6)
    samples = gaussian.MODEL.sample(start, params, 1, rng, sampler)
    assert sampler.acceptance_rates == [0.0]
    np.testing.assert_array_equal(samples, start)


@pytest.mark.parametrize(
    "objective, options",
    [
        ("sm", {"max_iter": 300}),
        ("dsm", {"max_iter": 300, "noise": 0.3, "n_noise_samples": 10}),
        ("cd", {"max_iter": 50, "batch_size": 100}),
        ("pcd", {"max_iter": 50, "batch_size": 100}),
        ("fpcd", {"max_iter": 50, "batch_size": 100}),
    ],
)
def test_every_objective_recovers_a_known_gbrbm(gbrbm_data, objective, options):
    X, X_test, params = gbrbm_data
    model = GBRBMScoreMatching(
        4, objective=objective, visible_std=1.0, random_state=0, **options
    ).fit(X)
    true = _true_score(X_test, params)
    untrained = GBRBMScoreMatching(4, visible_std=1.0, max_iter=1, random_state=0)
    with pytest.warns(Warning):  # one iteration does not converge
        untrained.fit(X)
    assert true - untrained.score(X_test) > 1.0  # so a gap of 0.1 is a real test
    assert model.score(X_test) > true - 0.1


def test_autoencoder_does_not_recover_a_known_gbrbm(gbrbm_data):
    # without the regularizers of score matching, reconstruction alone is not
    # a density estimator (the paper's point)
    X, X_test, params = gbrbm_data
    model = GBRBMScoreMatching(
        4, objective="ae", visible_std=1.0, max_iter=300, random_state=0
    ).fit(X)
    assert model.score(X_test) < _true_score(X_test, params) - 0.5


@pytest.mark.parametrize("objective", ["sm", "cd"])
def test_samples_of_a_fitted_gbrbm_match_the_data(gbrbm_data, objective):
    X, X_test, _ = gbrbm_data
    # the moments need the density fitted further than the default stopping
    # rule goes (it stopped this fit after 35 iterations, where one variance
    # of the samples was 0.26 off, 1.4 times what the test allows): 300
    # iterations on every row
    lbfgs = {"max_iter": 300, "tol": 0, "validation_fraction": None}
    options = lbfgs if objective == "sm" else {"max_iter": 50}
    model = GBRBMScoreMatching(
        4, objective=objective, visible_std="learn", random_state=0, **options
    ).fit(X)
    samples = model.sample(4000, n_steps=100, random_state=0)
    assert samples.shape == X_test.shape
    _moments_close(samples, X_test)


def test_samples_of_a_fitted_mpot_match_the_data():
    # heavy-tailed rotated sources: the mPoT's kind of data
    rng = np.random.default_rng(0)
    mixing = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    X = (rng.standard_t(8, size=(8000, 6)) * 0.7) @ mixing
    # 300 iterations on every row, further than the default stopping rule goes
    model = MPoTAutoencoder(
        12,
        6,
        visible_std="learn",
        max_iter=300,
        tol=0,
        validation_fraction=None,
        random_state=0,
    ).fit(X[:4000])
    samples = model.sample(4000, n_steps=100, random_state=0)
    _moments_close(samples, X[4000:])


def test_mpot_likelihood_training_adapts_hmc_and_reports_it(progress_lines):
    X = StandardScaler().fit_transform(load_digits().data)[:, ::2][:500]
    model = MPoTAutoencoder(
        8,
        8,
        objective="pcd",
        visible_std="learn",
        max_iter=3,
        random_state=0,
        verbose=1,
    ).fit(X)
    lines = progress_lines()
    assert len(lines) == 3 and "HMC acceptance rate" in lines[-1]
    assert 0.5 < model.acceptance_rate_ <= 1
    assert model.hmc_step_size_ != 0.1  # adapted from its first value
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3


def test_fpcd_chains_run_on_parameters_plus_fast_weights(gbrbm_data, monkeypatch):
    X = gbrbm_data[0][:600]
    seen = {"pcd": [], "fpcd": []}
    objective = "pcd"

    def spy(V, params, n_steps, rng, sampler):
        seen[objective].append({k: np.copy(v) for k, v in params.items()})
        return V  # the chains stay at the first minibatch in both fits

    monkeypatch.setattr(gbrbm.MODEL, "sample", spy)
    for objective in seen:
        GBRBMScoreMatching(
            4, objective=objective, max_iter=1, batch_size=100, random_state=0
        ).fit(X)
    assert len(seen["pcd"]) == len(seen["fpcd"]) == 6  # one chain step per minibatch
    # Samples that do not depend on the chains' parameters give both fits the
    # same slow weights: PCD's chains run on them, FPCD's on them plus fast
    # weights, which start at 0 and decay by 0.95 before adding each update.
    slow, chains, last = seen["pcd"], seen["fpcd"], {}
    for name in GBRBMScoreMatching._model.trainable:
        fast = np.zeros_like(slow[0][name])
        # the weights' size times a few roundings per update, over 6 updates
        atol = 6 * 8 * np.finfo(float).eps * max(np.abs(s[name]).max() for s in slow)
        for k in range(6):
            if k:
                fast = 0.95 * fast + (slow[k][name] - slow[k - 1][name])
            np.testing.assert_allclose(
                chains[k][name] - slow[k][name], fast, rtol=0, atol=atol
            )
        last[name] = fast, atol
    fast, atol = last["components"]
    assert np.abs(fast).max() > 100 * atol  # the fast weights moved the chains


def test_pcd_chains_persist_across_partial_fit_calls(gbrbm_data):
    X = gbrbm_data[0]
    model = GBRBMScoreMatching(4, objective="pcd", batch_size=50, random_state=0)
    model.partial_fit(X[:100])
    chains = model._trainer.chains.copy()
    assert chains.shape == (50, 8)
    model.partial_fit(X[100:150])
    # continued, not restarted at X
    assert not np.allclose(model._trainer.chains, chains)
    assert not np.allclose(model._trainer.chains, X[100:150])


def test_sample_is_reproducible_and_validates_its_arguments(gbrbm_data):
    model = GBRBMScoreMatching(4, max_iter=20, random_state=0).fit(gbrbm_data[0])
    np.testing.assert_array_equal(
        model.sample(3, n_steps=5, random_state=1),
        model.sample(3, n_steps=5, random_state=1),
    )
    assert model.sample(2, n_steps=0, random_state=0).shape == (2, 8)
    with config_context(working_memory=1e-3):  # one chain per chunk of rows
        chunked = model.sample(50, n_steps=3, random_state=0)
    assert chunked.shape == (50, 8) and len(np.unique(chunked[:, 0])) == 50
    with pytest.raises(ValueError, match="n_samples"):
        model.sample(0)
    with pytest.raises(ValueError, match="n_steps"):
        model.sample(2, n_steps=1.5)


def test_sample_keeps_float32():
    X = np.random.default_rng(0).normal(size=(200, 4)).astype(np.float32)
    for model in (
        GBRBMScoreMatching(3, objective="cd", max_iter=2, random_state=0),
        MPoTAutoencoder(2, 2, objective="cd", max_iter=2, random_state=0),
    ):
        model.fit(X)
        assert model.components_.dtype == np.float32
        assert model.sample(5, n_steps=3, random_state=0).dtype == np.float32
