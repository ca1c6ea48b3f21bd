import warnings

import numpy as np
import pytest
from estimator_checks import parametrize_with_runnable_checks
from sklearn.datasets import load_sample_images
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.image import extract_patches_2d

from skscore import GBRBMScoreMatching, MPoTAutoencoder
from skscore._array_api import ArraySpace
from skscore.energies import mpot

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _heavy_tailed(n_samples, n_features=8, seed=0):
    """Rotated independent Student-t sources (3 degrees of freedom).

    The rows are heavy-tailed and their coordinates dependent; source scales
    from 0.6 to 0.9 keep every variance below 1 and make them correlated.
    """
    rotation = np.linalg.qr(np.random.default_rng(0).normal(size=(n_features,) * 2))[0]
    sources = np.random.default_rng(seed).standard_t(3, size=(n_samples, n_features))
    return (sources / np.sqrt(3) * np.linspace(0.6, 0.9, n_features)) @ rotation.T


@parametrize_with_runnable_checks(
    [
        MPoTAutoencoder(n_covariance=4, n_mean=3, max_iter=15),
        MPoTAutoencoder(n_covariance=4, n_mean=3, max_iter=15, objective="dsm"),
        MPoTAutoencoder(n_covariance=4, n_mean=3, max_iter=15, objective="ae"),
        MPoTAutoencoder(
            n_covariance=4, n_mean=3, max_iter=3, objective="pcd", n_leapfrog_steps=5
        ),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("objective", ["sm", "dsm", "ae"])
def test_fit_attributes_and_features(objective):
    X = _heavy_tailed(300)
    model = MPoTAutoencoder(
        n_covariance=6,
        n_mean=5,
        gamma=2.0,
        objective=objective,
        encoding="expectation",
        max_iter=30,
        random_state=0,
    ).fit(X)
    assert model.covariance_components_.shape == (6, 8)
    assert model.components_.shape == (5, 8)
    assert model.intercept_hidden_.shape == (5,)
    assert model.intercept_visible_.shape == (8,)
    np.testing.assert_allclose(np.linalg.norm(model.covariance_components_, axis=1), 1)
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    features = model.transform(X)
    assert features.shape == (300, 11)
    assert np.all(
        (features[:, :6] > 0) & (features[:, :6] <= 2.0)
    )  # gamma / (1 + phi^2/2)
    assert np.all((features[:, 6:] >= 0) & (features[:, 6:] <= 1))
    names = model.get_feature_names_out()
    assert names[0] == "mpotautoencoder_covariance0" and len(names) == 11
    assert names[6] == "mpotautoencoder_mean0"


def test_sm_score_matches_the_final_training_loss():
    X = _heavy_tailed(300)
    # every row fitted: the last training loss is the loss on X
    model = MPoTAutoencoder(
        n_covariance=6, n_mean=5, max_iter=30, validation_fraction=None, random_state=0
    ).fit(X)
    assert model.loss_curve_[-1] == pytest.approx(-model.score(X), rel=1e-12)


def test_score_is_computed_from_the_fitted_attributes():
    X = _heavy_tailed(200)
    model = MPoTAutoencoder(
        n_covariance=4, n_mean=3, visible_std=1.0, max_iter=5, random_state=0
    ).fit(X)
    model.covariance_components_ = np.zeros_like(model.covariance_components_)
    model.components_ = np.zeros_like(model.components_)
    model.intercept_visible_ = np.zeros(8)
    # the model is now a standard Gaussian: J(v) = ||v||^2 / 2 - D
    assert model.score(X) == pytest.approx(-np.mean(0.5 * np.sum(X**2, axis=1) - 8))


def test_unconstrained_filter_norms_make_the_sm_objective_unbounded():
    # Why MPoTAutoencoder keeps covariance filters at unit norm: a filter whose
    # zero hyperplane passes through D - 1 training rows lowers the empirical
    # objective by gamma ||C_k||^2 at each of them, without bound.
    X = _heavy_tailed(200)
    direction = np.linalg.svd(X[:7])[2][-1]  # orthogonal to the first 7 rows
    params = {
        "components": np.zeros((1, 8)),
        "intercept_hidden": np.zeros(1),
        "intercept_visible": np.zeros(8),
        "log_visible_std": np.asarray(0.0),
        "gamma": np.asarray(1.0),
    }
    losses = [
        mpot.sm(X, {**params, "covariance_components": scale * direction[None, :]})[0]
        for scale in (10, 100, 1000)
    ]
    assert np.all(np.diff(losses) < 0)
    assert losses[-1] < -0.5 * 7 / 200 * 1000**2


def test_data_with_a_null_direction_warns_for_score_matching():
    X = _heavy_tailed(200)
    X -= X.mean(axis=1, keepdims=True)  # per-row mean removal: one null direction
    with pytest.warns(UserWarning, match=r"1 direction\(s\) of \(near\) zero variance"):
        # 200 iterations on every row: the optimum, where the stopping rule
        # may stop before the last filter has turned
        model = MPoTAutoencoder(
            n_covariance=4,
            n_mean=2,
            max_iter=200,
            tol=0,
            validation_fraction=None,
            random_state=0,
        ).fit(X)
    # the covariance filters have turned onto the null direction (1, ..., 1)
    null = np.ones(8) / np.sqrt(8)
    np.testing.assert_allclose(
        np.abs(model.covariance_components_ @ null), 1, atol=1e-2
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        MPoTAutoencoder(
            n_covariance=4, n_mean=2, objective="dsm", max_iter=3, random_state=0
        ).fit(X)


def test_mpot_beats_gbrbm_on_heavy_tailed_correlated_data():
    # The reason the model exists: Student-t covariance units capture heavy
    # tailed, dependent data that a mixture of isotropic Gaussians cannot.
    X_train, X_test = _heavy_tailed(2000, seed=1), _heavy_tailed(2000, seed=2)
    mpot_model = MPoTAutoencoder(
        n_covariance=16, n_mean=4, max_iter=300, random_state=0
    )
    gbrbm = GBRBMScoreMatching(n_components=18, max_iter=300, random_state=0)
    mpot_model.fit(X_train)
    gbrbm.fit(X_train)
    n_params = [
        sum(np.size(v) for v in model._energy_params(ArraySpace.of(X_train)).values())
        for model in (mpot_model, gbrbm)
    ]
    assert abs(n_params[0] - n_params[1]) <= 5, n_params
    assert mpot_model.score(X_test) > gbrbm.score(X_test) + 1.0


def test_float32_and_reproducibility():
    X = _heavy_tailed(200).astype(np.float32)
    fits = [
        MPoTAutoencoder(n_covariance=4, n_mean=3, max_iter=10, random_state=0).fit(X)
        for _ in range(2)
    ]
    assert fits[0].covariance_components_.dtype == np.float32
    assert fits[0].transform(X).dtype == np.float32
    np.testing.assert_array_equal(fits[0].transform(X), fits[1].transform(X))


def test_invalid_hyperparameters():
    X = _heavy_tailed(50)
    for params, name in [
        ({"n_covariance": 0}, "n_covariance"),
        ({"n_mean": 0}, "n_mean"),
        ({"gamma": 0.0}, "gamma"),
    ]:
        with pytest.raises(ValueError, match=f"'{name}' parameter"):
            MPoTAutoencoder(**params).fit(X)


def test_max_iter_warns():
    with pytest.warns(ConvergenceWarning):
        MPoTAutoencoder(n_covariance=2, n_mean=2, max_iter=2, random_state=0).fit(
            _heavy_tailed(50)
        )


def test_visible_std():
    X = _heavy_tailed(300)
    learned = MPoTAutoencoder(
        n_covariance=4, n_mean=2, visible_std="learn", max_iter=50, random_state=0
    ).fit(3 * X)
    assert learned.visible_std_ > 1.5  # it followed the data's scale
    with pytest.warns(UserWarning, match="can only remove variance"):
        MPoTAutoencoder(
            n_covariance=4, n_mean=2, visible_std=1.0, max_iter=2, random_state=0
        ).fit(3 * X)
    whitened = PCA(whiten=True).fit_transform(X)  # every variance exactly 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MPoTAutoencoder(
            n_covariance=4, n_mean=2, visible_std=1.0, max_iter=2, random_state=0
        ).fit(whitened)
    assert model.visible_std_ == 1.0


def _whitened_image_patches(n_patches=4000, size=8):
    """Contrast-normalized, whitened grayscale patches of scikit-learn's sample images.

    Returns the patches and the rotation that maps a filter on them back to
    pixel space.
    """
    rng = np.random.RandomState(0)
    patches = np.vstack(
        [
            extract_patches_2d(
                image.mean(axis=2) / 255,
                (size, size),
                max_patches=n_patches // 2,
                random_state=rng,
            ).reshape(-1, size * size)
            for image in load_sample_images().images
        ]
    )
    patches -= patches.mean(axis=1, keepdims=True)
    patches /= np.sqrt(patches.var(axis=1, keepdims=True) + 0.01)
    # PCA whitening drops the null direction that the mean removal leaves
    pca = PCA(n_components=size * size - 1, whiten=True).fit(patches)
    return pca.transform(patches), pca.components_


def _spectral_concentration(filters, size=8):
    """Mean fraction of each filter's spatial power in its top 10% of frequencies."""
    power = np.abs(np.fft.fft2(filters.reshape(-1, size, size))) ** 2
    power = power.reshape(len(filters), -1)
    power /= power.sum(axis=1, keepdims=True)
    return np.sort(power, axis=1)[:, -power.shape[1] // 10 :].sum(axis=1).mean()


def test_learns_oriented_covariance_filters_on_natural_image_patches():
    # Oriented edges and gratings concentrate their power at a few spatial
    # frequencies; random filters spread it. Score matching finds the former,
    # the plain autoencoder (no regularizers) leaves covariance filters random.
    X, to_pixels = _whitened_image_patches()
    random = np.random.default_rng(0).normal(size=(32, X.shape[1]))
    baseline = _spectral_concentration(random @ to_pixels)
    concentration = {}
    for objective in ("sm", "ae"):
        model = MPoTAutoencoder(
            32, 16, visible_std=1.0, objective=objective, max_iter=150, random_state=0
        )
        filters = model.fit(X).covariance_components_ @ to_pixels
        concentration[objective] = _spectral_concentration(filters)
    assert concentration["sm"] > 1.3 * baseline, (concentration, baseline)
    assert concentration["ae"] < 1.1 * baseline, (concentration, baseline)
