import numpy as np
import pytest
from estimator_checks import parametrize_with_runnable_checks
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skscore import DenoisingSMTransformer, GBRBMScoreMatching, MPoTAutoencoder

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: methods the meta-estimator has where its estimator has them
DELEGATED = [
    "partial_fit",
    "score_samples",
    "free_energy",
    "reconstruct",
    "denoise",
    "sample",
    "score_terms",
    "input_filters",
    "get_feature_names_out",
]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X, y


@parametrize_with_runnable_checks(
    [
        DenoisingSMTransformer(GBRBMScoreMatching(n_components=5, max_iter=15)),
        DenoisingSMTransformer(
            MPoTAutoencoder(n_covariance=3, n_mean=2, max_iter=15), noise=0.3
        ),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_fits_a_dsm_clone_and_delegates(digits):
    X = StandardScaler().fit_transform(digits[0][:300])
    inner = GBRBMScoreMatching(n_components=8, max_iter=10, random_state=0)
    dsm = DenoisingSMTransformer(inner, noise=0.5, n_noise_samples=2, random_state=0)
    dsm.fit(X)
    fitted = dsm.estimator_
    assert fitted is not inner and not hasattr(inner, "components_")
    assert (fitted.objective, fitted.noise, fitted.n_noise_samples) == ("dsm", 0.5, 2)
    assert fitted.random_state == 0
    direct = GBRBMScoreMatching(
        n_components=8,
        max_iter=10,
        objective="dsm",
        noise=0.5,
        n_noise_samples=2,
        random_state=0,
    ).fit(X)
    np.testing.assert_array_equal(dsm.transform(X), direct.transform(X))
    for method in ("score_samples", "free_energy", "reconstruct", "score_terms"):
        np.testing.assert_array_equal(
            getattr(dsm, method)(X), getattr(direct, method)(X)
        )
    assert dsm.score(X) == direct.score(X)
    np.testing.assert_array_equal(
        dsm.sample(3, n_steps=4, random_state=0),
        direct.sample(3, n_steps=4, random_state=0),
    )
    np.testing.assert_array_equal(
        dsm.denoise(X, n_steps=3, step_size=0.2),
        direct.denoise(X, n_steps=3, step_size=0.2),
    )
    for got, expected in zip(dsm.input_filters(), direct.input_filters(), strict=True):
        np.testing.assert_array_equal(got, expected)
    assert list(dsm.get_feature_names_out()) == list(direct.get_feature_names_out())
    assert dsm.n_features_in_ == 64


class _Bare(TransformerMixin, BaseEstimator):
    """An estimator with a denoising objective and only fit, transform and score."""

    def __init__(self, objective="sm", noise=0.1, n_noise_samples=1):
        self.objective = objective
        self.noise = noise
        self.n_noise_samples = n_noise_samples

    def fit(self, X, y=None):
        self.n_features_in_ = np.shape(X)[1]
        return self

    def transform(self, X):
        return np.asarray(X) * self.noise

    def score(self, X, y=None):
        return -self.noise


def test_delegated_methods_exist_where_the_estimator_has_them():
    X = np.random.default_rng(0).normal(size=(30, 3))
    for estimator in (
        None,
        MPoTAutoencoder(n_covariance=2, n_mean=1, max_iter=2, random_state=0),
    ):
        dsm = DenoisingSMTransformer(estimator, random_state=0)
        assert all(hasattr(dsm, method) for method in DELEGATED)
        dsm.fit(X)
        assert all(hasattr(dsm, method) for method in DELEGATED)
    bare = DenoisingSMTransformer(_Bare(), noise=0.5)
    assert not any(hasattr(bare, method) for method in DELEGATED)
    bare.fit(X)
    assert not any(hasattr(bare, method) for method in DELEGATED)
    np.testing.assert_array_equal(bare.transform(X), 0.5 * X)
    assert bare.score(X) == -0.5
    with pytest.raises(AttributeError, match="has no attribute 'sample'"):
        bare.sample()


def test_default_estimator_and_random_state():
    X = np.random.default_rng(0).normal(size=(50, 4))
    dsm = DenoisingSMTransformer(random_state=1).fit(X)
    assert isinstance(dsm.estimator_, GBRBMScoreMatching)
    assert dsm.estimator_.n_components == 256
    kept = DenoisingSMTransformer(GBRBMScoreMatching(n_components=2, random_state=7))
    assert kept.fit(X).estimator_.random_state == 7


def test_unfitted():
    dsm = DenoisingSMTransformer()
    X = np.zeros((2, 3))
    for method in ("transform", "score", "score_samples", "free_energy"):
        with pytest.raises(NotFittedError):
            getattr(dsm, method)(X)
    for method in ("sample", "input_filters", "get_feature_names_out"):
        with pytest.raises(NotFittedError):
            getattr(dsm, method)()


def test_supervised_grid_search_over_noise_in_a_pipeline(digits):
    X, y = digits
    X_train, _, y_train, _ = train_test_split(
        X, y, train_size=600, random_state=0, stratify=y
    )
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "feat",
                DenoisingSMTransformer(
                    GBRBMScoreMatching(n_components=32, max_iter=30), random_state=0
                ),
            ),
            ("svm", LinearSVC(random_state=0)),
        ]
    )
    search = GridSearchCV(pipe, {"feat__noise": [0.1, 1.0, 3.0]}, cv=3).fit(
        X_train, y_train
    )
    assert search.best_params_["feat__noise"] in (0.1, 1.0, 3.0)
    assert search.best_score_ > 0.85
    assert (
        search.best_estimator_["feat"].estimator_.noise
        == search.best_params_["feat__noise"]
    )


def test_unsupervised_grid_search_picks_noise_by_held_out_score(digits):
    # The held-out score matching score is sigma-free: with a tiny and a huge
    # noise level, the model trained at the huge one matches the clean data's
    # score far worse, and the search (no y) must prefer the small noise.
    X = StandardScaler().fit_transform(digits[0])
    dsm = DenoisingSMTransformer(
        GBRBMScoreMatching(n_components=16, max_iter=30), random_state=0
    )
    search = GridSearchCV(dsm, {"noise": [0.3, 10.0]}, cv=3).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] > scores[1]
    assert search.best_params_ == {"noise": 0.3}
