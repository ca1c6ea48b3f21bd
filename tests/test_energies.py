import itertools
import threading
import time

import numpy as np
import pytest
from gradcheck import gradient_errors, hessian_diagonal
from scipy.integrate import quad
from scipy.linalg import subspace_angles
from scipy.special import expit, gammaln, logsumexp
from sklearn import config_context
from threadpoolctl import threadpool_limits
from tolerances import FACTOR, input_rounding_atol, rounding_atol

from skscore._chunks import map_chunks
from skscore._optim import minimize_lbfgs
from skscore.energies import gaussian, gbrbm, mpot

N, D, K = 6, 4, 3
MODULES = [gbrbm, gaussian, mpot]


def _params(module, rng, dtype=np.float64):
    shapes = {"n_components": K, "n_features": D, "n_covariance": K, "n_mean": 2}
    params = {
        name: rng.normal(size=tuple(shapes[axis] for axis in parameter.shape))
        for name, parameter in module.MODEL.parameters.items()
    }
    if "log_visible_std" in params:
        params["log_visible_std"] = np.asarray(np.log(0.7))
    if "gamma" in params:
        params["gamma"] = np.asarray(1.7)  # a fixed hyperparameter
    return {name: np.asarray(value, dtype=dtype) for name, value in params.items()}


def _objectives(module, X, noise):
    samples = X[:4] + noise[0, :4]  # fewer rows than X
    return {
        "sm": lambda p: module.sm(X, p),
        "ae": lambda p: module.ae(X, p),
        "dsm": lambda p: module.dsm(X, p, noise, 0.3),
        "contrastive": lambda p: module.contrastive(X, samples, p),
    }


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("objective", ["sm", "ae", "dsm", "contrastive"])
def test_gradients_match_finite_differences(module, objective):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, D))
    noise = 0.3 * rng.normal(size=(2, N, D))
    params = _params(module, rng)  # nonzero biases and visible_std != 1
    # the contrastive loss is a difference of mean free energies: it is
    # rounded to their size, not to its own
    samples = X[:4] + noise[0, :4]
    scale = np.abs(module.free_energy(X, params)).mean()
    scale += np.abs(module.free_energy(samples, params)).mean()
    errors = gradient_errors(
        _objectives(module, X, noise)[objective], params, scale=scale
    )
    assert set(errors) == set(params) - {"gamma"}
    assert max(errors.values()) < 1, errors  # within the differences' own error


@pytest.mark.parametrize("module", MODULES)
def test_contrastive_loss_is_difference_of_mean_free_energies(module):
    rng = np.random.default_rng(1)
    X, samples = rng.normal(size=(N, D)), rng.normal(size=(3, D))
    params = _params(module, rng)
    loss, _ = module.contrastive(X, samples, params)
    data_energies = module.free_energy(X, params)
    sample_energies = module.free_energy(samples, params)
    expected = data_energies.mean() - sample_energies.mean()
    scale = np.abs(data_energies).mean() + np.abs(sample_energies).mean()
    assert abs(loss - expected) <= rounding_atol(np.float64, N + 3, scale)


def _gbrbm_enumerated(v, params):
    """F(v) and the three SM terms by summing over every hidden configuration."""
    W, c, b = (
        params["components"],
        params["intercept_hidden"],
        params["intercept_visible"],
    )
    sigma = np.exp(params["log_visible_std"])
    u = v / sigma
    hs = np.array(list(itertools.product([0, 1], repeat=W.shape[0])), dtype=float)
    energies = 0.5 * np.sum((u - b) ** 2) - hs @ (W @ u) - hs @ c
    free_energy = -logsumexp(-energies)
    posterior = np.exp(-energies - logsumexp(-energies))
    dE = (u - b - hs @ W) / sigma  # dE/dv for every configuration
    mean = posterior @ dE
    variance = posterior @ (dE - mean) ** 2
    terms = [0.5 * np.sum(mean**2), variance.sum(), -v.size / sigma**2]
    return free_energy, np.array(terms)


def test_gbrbm_against_enumeration_of_hidden_states():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(N, D))
    params = _params(gbrbm, rng)
    reference = [_gbrbm_enumerated(v, params) for v in X]
    free_energy = np.array([f for f, _ in reference])
    terms = np.array([t for _, t in reference])
    # both sides add up the D + K terms of each energy, over 2^K configurations
    # of the hidden units for the enumeration, whose largest energy sets the size
    n_terms = 2**K * (D + K)
    energies = np.abs(free_energy) + np.abs(params["intercept_hidden"]).sum()
    energies += np.abs(X / np.exp(params["log_visible_std"])) @ np.abs(
        params["components"]
    ).sum(axis=0)
    atol = rounding_atol(np.float64, n_terms, energies)
    assert np.all(np.abs(gbrbm.free_energy(X, params) - free_energy) <= atol)
    # the first two terms are sums of squares (no cancellation); the third is exact
    atol = rounding_atol(np.float64, n_terms, np.abs(terms))
    assert np.all(np.abs(gbrbm.sm_terms(X, params) - terms) <= atol)


@pytest.mark.parametrize("module", MODULES)
def test_sm_against_hessian_diagonal_of_free_energy(module):
    # J(v) = sum_i 1/2 (dF/dv_i)^2 - d2F/dv_i^2, with the derivatives taken by
    # differences of the free energy itself (for the GBRBM, of the free energy
    # summed over all hidden states), independently of the closed form.
    rng = np.random.default_rng(2)
    X = rng.normal(size=(N, D))
    params = _params(module, rng)
    if module is gbrbm:

        def free_energy(v):
            return _gbrbm_enumerated(v, params)[0]
    else:

        def free_energy(v):
            return module.free_energy(v[None, :], params)[0]

    per_row, per_row_error = [], []
    for v in X:
        grad, diag, grad_error, diag_error = hessian_diagonal(free_energy, v)
        closed_form = module.grad_free_energy(v[None, :], params)[0]
        assert np.all(np.abs(closed_form - grad) <= FACTOR * grad_error)
        per_row.append(np.sum(0.5 * grad**2 - diag))
        # the error of J(v) = sum 1/2 g^2 - d, to first order in the errors
        per_row_error.append(np.sum(np.abs(grad) * grad_error + diag_error))
    per_row, per_row_error = np.array(per_row), np.array(per_row_error)
    loss, _ = module.sm(X, params)
    assert abs(loss - per_row.mean()) <= FACTOR * per_row_error.mean()
    terms = module.sm_terms(X, params).sum(axis=1)
    assert np.all(np.abs(terms - per_row) <= FACTOR * per_row_error)


@pytest.mark.parametrize("module", MODULES)
def test_reconstruction_error_is_ae_objective(module):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(N, D))
    params = _params(module, rng)
    residual = X - module.reconstruct(X, params)
    loss, _ = module.ae(X, params)
    squares = 0.5 * np.sum(residual**2, axis=1)
    # the mean of N sums of D squares; the residual's own rounding, of the
    # size of the larger of v and its reconstruction, moves each square by
    # twice the residual times that
    size = np.maximum(np.abs(X), np.abs(X - residual))
    atol = rounding_atol(np.float64, N * D, squares.mean())
    atol += rounding_atol(
        np.float64, 2 * D, np.mean(np.sum(np.abs(residual) * size, 1))
    )
    assert abs(loss - squares.mean()) <= atol


@pytest.mark.parametrize("module", MODULES)
def test_chunking_does_not_change_results(module):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(50, D))
    noise = 0.3 * rng.normal(size=(2, 50, D))
    params = _params(module, rng)
    whole = {name: f(params) for name, f in _objectives(module, X, noise).items()}
    with config_context(working_memory=1e-4):  # one row per chunk
        chunked = {name: f(params) for name, f in _objectives(module, X, noise).items()}
        features = module.hidden_expectations(X, params)
    # the two add up the same per-row contributions in another order: their
    # difference is bounded by the rounding of a sum of as many terms as rows,
    # of the size of the rows' contributions, each taken on its own
    rows = [
        _objectives(module, X[i : i + 1], noise[:, i : i + 1]) for i in range(len(X))
    ]
    for name, (loss, grads) in whole.items():
        single = [objectives[name](params) for objectives in rows]
        scale = np.mean([abs(value) for value, _ in single])
        assert abs(chunked[name][0] - loss) <= rounding_atol(np.float64, len(X), scale)
        for key in grads:
            scale = np.mean([np.abs(row_grads[key]) for _, row_grads in single], 0)
            atol = rounding_atol(np.float64, len(X), scale)
            assert np.all(np.abs(chunked[name][1][key] - grads[key]) <= atol), key
    # each expectation is a function of one unit input z = v f + c, a sum of
    # D + 1 products, of slope at most max(1, gamma / 2) for these unit types
    filters, bias = module.input_filters(params)
    slope = max(1.0, float(params.get("gamma", 0.0)))
    atol = slope * rounding_atol(
        np.float64, D + 1, np.abs(X) @ np.abs(filters.T) + np.abs(bias)
    )
    assert np.all(np.abs(features - module.hidden_expectations(X, params)) <= atol)


@pytest.mark.parametrize("module", MODULES)
def test_threads_do_not_change_results(module):
    # chunks run in one thread per BLAS thread; the sums keep the chunk order
    rng = np.random.default_rng(6)
    X = rng.normal(size=(400, D))
    noise = 0.3 * rng.normal(size=(2, 400, D))
    params = _params(module, rng)
    results = {}
    for n_threads in (1, 2):
        with threadpool_limits(n_threads), config_context(working_memory=0.01):
            results[n_threads] = {
                name: f(params) for name, f in _objectives(module, X, noise).items()
            }
    for name, (loss, grads) in results[1].items():
        assert results[2][name][0] == loss
        for key in grads:
            np.testing.assert_array_equal(results[2][name][1][key], grads[key])


def test_map_chunks_uses_the_blas_threads_keeps_order_and_bounds_memory():
    seen, running = set(), []

    def work(task):
        seen.add(threading.get_ident())
        running.append(task)
        time.sleep(0.01)
        return task

    with threadpool_limits(2):
        results = map_chunks(work, list(range(20)))
        assert next(results) == 0
        time.sleep(0.2)
        assert len(running) <= 6  # the first result, and at most 2 x 2 ahead
        assert list(results) == list(range(1, 20))
    seen.clear()

    with threadpool_limits(2):
        assert list(map_chunks(work, list(range(20)))) == list(range(20))
    assert len(seen) == 2
    seen.clear()
    with threadpool_limits(1):
        assert list(map_chunks(work, list(range(5)))) == list(range(5))
    assert seen == {threading.get_ident()}


@pytest.mark.parametrize("module", MODULES)
def test_float32_is_computed_in_float32(module):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(N, D))
    params = _params(module, rng)
    X32 = X.astype(np.float32)
    params32 = {name: value.astype(np.float32) for name, value in params.items()}
    inputs = {"X": X, **params}

    def in_float64(method, output=lambda out: out):
        def function(values):
            values = dict(values)
            return output(getattr(module, method)(values.pop("X"), values))

        return function

    for method in (
        "free_energy",
        "hidden_expectations",
        "grad_free_energy",
        "sm_terms",
    ):
        out32 = getattr(module, method)(X32, params32)
        assert out32.dtype == np.float32
        expected = getattr(module, method)(X, params)
        atol = input_rounding_atol(in_float64(method), inputs, np.float32)
        assert np.all(np.abs(out32 - expected) <= atol), method
    loss32, grads32 = module.sm(X32, params32)
    loss, grads = module.sm(X, params)
    atol = input_rounding_atol(in_float64("sm", lambda out: out[0]), inputs, np.float32)
    assert abs(loss32 - loss) <= atol
    for name in grads:
        atol = input_rounding_atol(
            in_float64("sm", lambda out, name=name: out[1][name]), inputs, np.float32
        )
        assert np.all(np.abs(grads32[name] - grads[name]) <= atol), name


def test_gaussian_sm_optimum_spans_top_principal_subspace():
    # Variances 9, 6, 4 along three orthogonal directions, 0.5 elsewhere: the
    # SM optimum of a 3-unit Gaussian RBM keeps those directions, with squared
    # singular values 1 - 1/variance (docs/math.rst, "The Gaussian RBM").
    rng = np.random.default_rng(6)
    n_features = 8
    basis, _ = np.linalg.qr(rng.normal(size=(n_features, n_features)))
    scales = np.sqrt([9.0, 6.0, 4.0] + [0.5] * (n_features - 3))
    X = (rng.normal(size=(5000, n_features)) * scales) @ basis.T + 2.0
    covariance = np.cov(X, rowvar=False, bias=True)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    params = {
        "components": 0.1 * rng.normal(size=(3, n_features)),
        "intercept_hidden": np.zeros(3),
        "intercept_visible": np.zeros(n_features),
    }
    params, _, _, _ = minimize_lbfgs(
        lambda p: gaussian.sm(X, p),
        params,
        list(params),
        max_iter=1000,
        tol=1e-12,
        verbose=0,
        name="the Gaussian RBM",
    )
    W = params["components"]
    angles = subspace_angles(W.T, eigenvectors[:, -3:])
    assert np.max(angles) < 1e-4
    singular = np.linalg.svd(W, compute_uv=False)
    np.testing.assert_allclose(
        np.sort(singular**2), 1 - 1 / eigenvalues[-3:], rtol=1e-4
    )


def _mpot_energy_gradients(v, params, h_cov, h_mean):
    """dE/dv of the mPoT energy for each sample of the hidden units."""
    C, W, b = (
        params[k] for k in ("covariance_components", "components", "intercept_visible")
    )
    phi = C @ v
    return (h_cov * phi) @ C - h_mean @ W + v - b


def test_mpot_free_energy_against_integration_over_hidden_units():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(3, D))
    params = {**_params(mpot, rng), "log_visible_std": np.asarray(0.0)}
    C, W, b, c, gamma = (
        params[k]
        for k in (
            "covariance_components",
            "components",
            "intercept_visible",
            "intercept_hidden",
            "gamma",
        )
    )
    reference, errors = [], []
    for v in X:
        cov, error = 0.0, 0.0
        for p in C @ v:
            integral, abserr = quad(
                lambda h, p=p: h ** (gamma - 1) * np.exp(-h * (1 + 0.5 * p**2)),
                0,
                np.inf,
            )
            cov -= np.log(integral)
            error += abserr / integral  # what quad's error moves the log by
        mean = -np.logaddexp(0, W @ v + c).sum()
        reference.append(0.5 * np.sum((v - b) ** 2) + cov + mean)
        errors.append(error)
    # the integral over Gamma units adds log Gamma(gamma) per unit to the free energy
    difference = mpot.free_energy(X, params) - K * gammaln(gamma) - reference
    assert np.all(np.abs(difference) <= FACTOR * np.array(errors))


def test_mpot_three_terms_against_sampled_hidden_units():
    # J's terms are moments of dE/dv under p(h|v): Gamma covariance units of
    # shape gamma and rate 1 + phi^2/2, Bernoulli mean units.
    rng = np.random.default_rng(8)
    X = 0.5 * rng.normal(size=(3, D))
    params = {**_params(mpot, rng), "log_visible_std": np.asarray(0.0)}
    C, W, c, gamma = (
        params[k]
        for k in ("covariance_components", "components", "intercept_hidden", "gamma")
    )
    n_samples = 400_000
    terms = mpot.sm_terms(X, params)
    for v, expected in zip(X, terms, strict=True):
        rate = 1 + 0.5 * (C @ v) ** 2
        h_cov = rng.gamma(gamma, 1 / rate, size=(n_samples, K))
        h_mean = (rng.random((n_samples, 2)) < expit(W @ v + c)).astype(float)
        dE = _mpot_energy_gradients(v, params, h_cov, h_mean)

        def moments(rows, dE=dE, h_cov=h_cov):
            mean = dE[rows].mean(axis=0)
            curvature = -np.sum(h_cov[rows].mean(axis=0) @ C**2 + 1)
            return [0.5 * np.sum(mean**2), dE[rows].var(axis=0).sum(), curvature]

        sampled = moments(slice(None))
        # the Monte Carlo error, from the spread of the estimates over 20 batches
        batches = np.array(
            [moments(b) for b in np.array_split(np.arange(n_samples), 20)]
        )
        standard_error = batches.std(axis=0, ddof=1) / np.sqrt(len(batches))
        assert np.all(np.abs(expected - sampled) <= FACTOR * standard_error)


@pytest.mark.parametrize("module", MODULES)
def test_input_filters_give_the_hidden_units_inputs(module):
    # for every model, the hidden expectations are a function of z = v F^T + c
    # that input_filters exposes; check it through the free energy gradient,
    # dF/dv = (u - b + rho'(z) B) / sigma with each block's unit type's rho'
    rng = np.random.default_rng(9)
    X = rng.normal(size=(N, D))
    params = _params(module, rng)
    filters, bias = module.input_filters(params)
    Z = filters @ X.T + bias[:, None]  # units x rows, blocks in order
    first_derivative, start = np.empty_like(Z), 0
    for block in module.MODEL.units:
        rows = slice(start, start + params[block.filters].shape[0])
        hyper = {name: params[name] for name in block.units.hyperparameters}
        block.units.derivatives(Z[rows], [first_derivative[rows]], **hyper)
        start = rows.stop
    B = np.concatenate([params[block.filters] for block in module.MODEL.units])
    sigma = np.exp(params.get("log_visible_std", 0.0))
    residual = X / sigma - params["intercept_visible"]
    expected = (residual + first_derivative.T @ B) / sigma
    # sums of K products and the residual, in another order
    scale = (np.abs(residual) + np.abs(first_derivative.T) @ np.abs(B)) / sigma
    atol = rounding_atol(np.float64, B.shape[0] + 2, scale)
    assert np.all(np.abs(module.grad_free_energy(X, params) - expected) <= atol)
