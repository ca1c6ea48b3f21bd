import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from estimator_checks import parametrize_with_runnable_checks
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skscore import GBRBMScoreMatching

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture
def X(digits):
    return digits[0][:300]


@parametrize_with_runnable_checks(
    [
        GBRBMScoreMatching(n_components=6, max_iter=15),
        GBRBMScoreMatching(
            n_components=6, max_iter=15, objective="dsm", n_noise_samples=2
        ),
        GBRBMScoreMatching(
            n_components=6, max_iter=15, objective="ae", visible_std=0.5
        ),
        GBRBMScoreMatching(n_components=6, max_iter=3, objective="cd"),
        GBRBMScoreMatching(
            n_components=6, max_iter=3, objective="fpcd", n_gibbs_steps=2
        ),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("objective", ["sm", "dsm", "ae"])
def test_fit_lowers_the_loss_and_sets_attributes(X, objective):
    # every row fitted and no stopping before max_iter: 30 iterations
    model = GBRBMScoreMatching(
        n_components=20,
        objective=objective,
        encoding="expectation",
        max_iter=30,
        tol=0,
        validation_fraction=None,
        random_state=0,
    ).fit(X)
    assert model.components_.shape == (20, 64)
    assert model.intercept_hidden_.shape == (20,)
    assert model.intercept_visible_.shape == (64,)
    assert model.visible_std_ > 0
    assert model.n_iter_ == len(model.loss_curve_) == 30
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    features = model.transform(X)
    assert features.shape == (300, 20)
    assert np.all((features >= 0) & (features <= 1))


def test_sm_score_matches_the_final_training_loss(X):
    # every row fitted: the last training loss is the loss on X
    model = GBRBMScoreMatching(
        n_components=20, max_iter=30, validation_fraction=None, random_state=0
    ).fit(X)
    assert model.loss_curve_[-1] == pytest.approx(-model.score(X), rel=1e-12)
    np.testing.assert_allclose(model.score_terms(X).sum(axis=1).mean(), -model.score(X))


def test_score_is_computed_from_the_fitted_attributes(X):
    model = GBRBMScoreMatching(n_components=20, max_iter=10, random_state=0).fit(X)
    before = model.score(X)
    model.components_ = np.zeros_like(model.components_)
    model.intercept_visible_ = np.zeros_like(model.intercept_visible_)
    sigma = model.visible_std_
    # With W = 0 and b = 0, J(v) = ||v||^2 / (2 sigma^4) - D / sigma^2 exactly.
    expected = -np.mean(0.5 * np.sum(X**2, axis=1) / sigma**4 - X.shape[1] / sigma**2)
    assert model.score(X) == pytest.approx(expected)
    assert model.score(X) != pytest.approx(before)
    model.visible_std_ = 2 * sigma
    assert model.score(X) != pytest.approx(expected)


def test_alpha_shrinks_the_weights(X):
    norms = [
        np.linalg.norm(
            GBRBMScoreMatching(
                n_components=20, alpha=alpha, max_iter=30, random_state=0
            )
            .fit(X)
            .components_
        )
        for alpha in (0.0, 1.0)
    ]
    assert norms[1] < 0.8 * norms[0]


def test_fixed_visible_std_is_kept(X):
    model = GBRBMScoreMatching(
        n_components=8, visible_std=0.5, max_iter=5, random_state=0
    ).fit(X)
    assert model.visible_std_ == 0.5


def test_fixed_visible_std_above_the_data_scale_warns(X):
    with pytest.warns(UserWarning, match="will learn no features"):
        GBRBMScoreMatching(
            n_components=4, visible_std=10.0, max_iter=2, random_state=0
        ).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        GBRBMScoreMatching(
            n_components=4, visible_std=1.0, max_iter=2, random_state=0
        ).fit(X)
        # every feature has variance 0.5 < 0.8 but their sum has variance 0.9
        rng = np.random.default_rng(0)
        correlated = rng.normal(size=(2000, 1)) * np.sqrt(0.45) + rng.normal(
            size=(2000, 2)
        ) * np.sqrt(0.05)
        GBRBMScoreMatching(
            n_components=4, visible_std=np.sqrt(0.8), max_iter=2, random_state=0
        ).fit(correlated)


def test_methods_agree_with_each_other(X):
    model = GBRBMScoreMatching(
        n_components=20, encoding="expectation", max_iter=20, random_state=0
    ).fit(X)
    np.testing.assert_allclose(model.score_samples(X), -model.free_energy(X))
    sigma = model.visible_std_
    expected = sigma * (
        model.intercept_visible_ + model.transform(X) @ model.components_
    )
    np.testing.assert_allclose(model.reconstruct(X), expected)
    assert model.score_terms(X).shape == (300, 3)
    np.testing.assert_allclose(model.score_terms(X)[:, 2], -64 / sigma**2)


def test_pipeline_with_linear_svc_on_digits(digits):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, random_state=0, stratify=y
    )
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("feat", GBRBMScoreMatching(n_components=64, max_iter=60, random_state=0)),
            ("svm", LinearSVC(random_state=0)),
        ]
    ).fit(X_train, y_train)
    assert pipe.score(X_test, y_test) > 0.93
    assert pipe[:-1].get_feature_names_out()[0] == "gbrbmscorematching_unit0_pos"


def test_pickle_round_trip(X):
    model = GBRBMScoreMatching(n_components=10, max_iter=10, random_state=0).fit(X)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.transform(X), model.transform(X))
    assert restored.score(X) == model.score(X)


@pytest.mark.parametrize("objective", ["sm", "dsm", "ae"])
def test_float32_is_preserved(X, objective):
    X32 = X.astype(np.float32)
    model = GBRBMScoreMatching(
        n_components=10, objective=objective, max_iter=10, random_state=0
    ).fit(X32)
    assert model.components_.dtype == np.float32
    for method in ("transform", "free_energy", "reconstruct", "score_terms"):
        assert getattr(model, method)(X32).dtype == np.float32
    reference = clone(model).fit(X)
    np.testing.assert_allclose(
        model.loss_curve_[0], reference.loss_curve_[0], rtol=1e-4
    )


@pytest.mark.parametrize("objective", ["sm", "dsm"])
def test_same_random_state_same_result(X, objective):
    fit = [
        GBRBMScoreMatching(
            n_components=10, objective=objective, max_iter=10, random_state=rs
        )
        .fit(X)
        .components_
        for rs in (0, 0, 1)
    ]
    np.testing.assert_array_equal(fit[0], fit[1])
    assert not np.allclose(fit[0], fit[2])


def test_dsm_noise_changes_the_objective(X):
    losses = [
        GBRBMScoreMatching(
            n_components=10, objective="dsm", noise=noise, max_iter=1, random_state=0
        )
        .fit(X)
        .loss_curve_[0]
        for noise in (0.1, 1.0)
    ]
    assert losses[0] > 10 * losses[1]  # the target (x~ - v) / noise^2 scales as 1/noise


def test_warm_start_continues_from_the_fitted_parameters(X):
    model = GBRBMScoreMatching(
        n_components=10, max_iter=10, random_state=0, warm_start=True
    )
    first = model.fit(X).loss_curve_
    second = model.fit(X).loss_curve_
    assert second[0] < first[-1] + 1e-9
    cold = GBRBMScoreMatching(n_components=10, max_iter=10, random_state=0).fit(X)
    assert cold.loss_curve_[0] > second[0]
    with pytest.raises(ValueError, match="features"):
        model.fit(X[:, :10])


def test_verbose_logs_iterations(X, progress_lines):
    GBRBMScoreMatching(n_components=5, max_iter=3, verbose=1, random_state=0).fit(X)
    lines = progress_lines()
    assert len(lines) == 4  # a tenth of 3 iterations rounds up to each of them
    assert re.fullmatch(
        r"Iteration 3/3, loss = \S+, validation loss = \S+, "
        r"relative gradient norm = \S+, time = \d+\.\d\ds",
        lines[-2],
    )
    assert lines[-1].startswith("L-BFGS stopped after 3/3 iterations (max_iter")


def test_verbose_reports_a_tenth_of_the_minibatch_passes(X, progress_lines):
    GBRBMScoreMatching(
        3, objective="cd", max_iter=20, batch_size=100, verbose=1, random_state=0
    ).fit(X[:200])
    assert [line.split(",")[0] for line in progress_lines()] == [
        f"Pass {k}/20" for k in range(2, 21, 2)
    ]


def test_max_iter_warns(X):
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        GBRBMScoreMatching(n_components=5, max_iter=2, random_state=0).fit(X)


def test_set_output_pandas(X):
    pd = pytest.importorskip("pandas")
    model = GBRBMScoreMatching(
        n_components=3, encoding="expectation", max_iter=5, random_state=0
    ).set_output(transform="pandas")
    out = model.fit_transform(pd.DataFrame(X[:, :4], columns=list("abcd")))
    assert list(out.columns) == [
        "gbrbmscorematching_unit0",
        "gbrbmscorematching_unit1",
        "gbrbmscorematching_unit2",
    ]


# Bad input


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_refused(X, value):
    bad = X.copy()
    bad[3, 5] = value
    with pytest.raises(ValueError, match="NaN|infinity"):
        GBRBMScoreMatching(n_components=5, max_iter=2, random_state=0).fit(bad)
    model = GBRBMScoreMatching(n_components=5, max_iter=2, random_state=0).fit(X)
    for method in ("transform", "score", "score_samples", "reconstruct", "score_terms"):
        with pytest.raises(ValueError, match="NaN|infinity"):
            getattr(model, method)(bad)


def test_wrong_number_of_features(X):
    model = GBRBMScoreMatching(n_components=5, max_iter=2, random_state=0).fit(X)
    with pytest.raises(
        ValueError, match="X has 10 features, but GBRBMScoreMatching is expecting 64"
    ):
        model.transform(X[:, :10])


def test_empty_and_single_row_input(X):
    with pytest.raises(ValueError, match="0 sample"):
        GBRBMScoreMatching(max_iter=2, random_state=0).fit(X[:0])
    with pytest.raises(ValueError, match="1 sample"):
        GBRBMScoreMatching(max_iter=2, random_state=0).fit(X[:1])
    model = GBRBMScoreMatching(n_components=5, max_iter=2, random_state=0).fit(X)
    assert model.transform(X[:1]).shape == (1, 10)  # two signs per unit


def test_sparse_input_is_refused_clearly(X):
    with pytest.raises(TypeError, match="dense data is required"):
        GBRBMScoreMatching(max_iter=2, random_state=0).fit(sp.csr_matrix(X))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_components": 0}, "n_components"),
        ({"objective": "ml"}, "objective"),
        ({"noise": 0.0}, "noise"),
        ({"noise": -1.0}, "noise"),
        ({"visible_std": 0.0}, "visible_std"),
        ({"visible_std": "fit"}, "visible_std"),
        ({"alpha": -1.0}, "alpha"),
        ({"max_iter": 0}, "max_iter"),
        ({"n_noise_samples": 0}, "n_noise_samples"),
        ({"tol": -1.0}, "tol"),
    ],
)
def test_invalid_hyperparameters(X, params, message):
    with pytest.raises(ValueError, match=f"'{message}' parameter"):
        GBRBMScoreMatching(**params).fit(X)


def test_unfitted_model_raises(X):
    with pytest.raises(NotFittedError):
        GBRBMScoreMatching().transform(X)


def test_huge_values_give_no_overflow_warnings(X):
    model = GBRBMScoreMatching(
        n_components=5, encoding="expectation", max_iter=5, random_state=0
    ).fit(X)
    huge = X * 1e30
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        features = model.transform(huge)
        energies = model.free_energy(huge)
        terms = model.score_terms(huge)
    assert np.all(np.isfinite(features)) and np.all(np.isfinite(energies))
    assert np.all(np.isfinite(terms))
    assert set(np.unique(np.round(features, 6))) <= {0.0, 1.0}


def test_divergence_during_fit_raises_instead_of_returning_garbage(X):
    # A fixed visible_std of 1e-150 scales X to ~1e150: the loss overflows.
    with (
        pytest.warns(UserWarning, match="visible_std=1e-150"),
        pytest.raises(
            ValueError,
            match=r"'sm' objective of GBRBMScoreMatching became non-finite "
            r"\(loss=inf",
        ),
    ):
        GBRBMScoreMatching(n_components=2, visible_std=1e-150, random_state=0).fit(X)
    # data of norm ~1e160 are refused before any work, their scale measured
    # without overflow
    with pytest.raises(ValueError, match=r"scale of X .* is 8\.93e\+159, outside"):
        GBRBMScoreMatching(n_components=2, visible_std=1.0, random_state=0).fit(
            X * 1e160
        )


def test_constant_data_cannot_learn_visible_std():
    with pytest.raises(ValueError, match="Every feature of X is constant"):
        GBRBMScoreMatching(n_components=2, random_state=0).fit(np.ones((20, 3)))
    # a fixed visible_std has a bounded objective on the same data
    GBRBMScoreMatching(n_components=2, visible_std=1.0, max_iter=5, random_state=0).fit(
        np.ones((20, 3))
    )


def test_denoise_reduces_error_on_noisy_held_out_digits(digits):
    X = digits[0]
    X_train, X_test = X[:1400], X[1400:]
    # a fixed budget on every row: on digits, the held-out rows of the
    # stopping rule, a few with extreme standardized pixels, stopped this
    # fit within 11 iterations
    model = GBRBMScoreMatching(
        64,
        objective="dsm",
        noise=0.5,
        max_iter=100,
        tol=0,
        validation_fraction=None,
        random_state=0,
    ).fit(X_train)
    noisy = X_test + 0.5 * np.random.default_rng(0).normal(size=X_test.shape)
    denoised = model.denoise(noisy, n_steps=5, step_size=0.2)
    assert np.mean((denoised - X_test) ** 2) < 0.7 * np.mean((noisy - X_test) ** 2)
    np.testing.assert_allclose(
        model.denoise(noisy, n_steps=1, step_size=1.0), model.reconstruct(noisy)
    )
    np.testing.assert_array_equal(model.denoise(noisy, n_steps=0), noisy)
    with pytest.raises(ValueError, match="step_size"):
        model.denoise(noisy, step_size=0)
    with pytest.raises(ValueError, match="n_steps"):
        model.denoise(noisy, n_steps=-1)
