"""scikit-learn's estimator checks at every public estimator's default parameters."""

import numpy as np
import pytest
from estimator_checks import parametrize_with_runnable_checks
from sklearn.base import clone

from skscore import (
    ConvolutionalFeaturizer,
    DenoisingSMTransformer,
    GBRBMScoreMatching,
    MPoTAutoencoder,
)
from skscore.preprocessing import ZCAWhitening

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning", "ignore::UserWarning"
)

#: the checks feed rows of a few arbitrary features, which are not images of
#: ``image_shape``; the same properties are tested on images below
_NOT_IMAGES = (
    "the check's rows are not flat images of image_shape=(3, 32, 32); "
    "tests/test_estimator_checks.py tests the property on images"
)
_FEATURIZER_CHECKS = [
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
]


def _expected_failures(estimator):
    if isinstance(estimator, ConvolutionalFeaturizer):
        failures = dict.fromkeys(_FEATURIZER_CHECKS, _NOT_IMAGES)
        for check in (
            "check_array_api_input",
            "check_array_api_mixed_inputs",
            "check_array_api_same_namespace",
        ):
            failures[check] = _NOT_IMAGES.replace(
                "tests/test_estimator_checks.py", "tests/test_array_api.py"
            )
        return failures
    return {}


@parametrize_with_runnable_checks(
    [
        GBRBMScoreMatching(),
        MPoTAutoencoder(),
        DenoisingSMTransformer(),
        ConvolutionalFeaturizer(),
        ZCAWhitening(),
    ],
    expected_failed_checks=_expected_failures,
)
def test_default_parameters_pass_the_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(12, 3 * 8 * 8)).astype(np.float64)


def _featurizer():
    return ConvolutionalFeaturizer(
        GBRBMScoreMatching(n_components=4, max_iter=5, random_state=0),
        patch_size=3,
        image_shape=(3, 8, 8),
        n_patches=200,
        random_state=0,
    )


def test_featurizer_fit_returns_self_and_is_idempotent(images):
    featurizer = _featurizer()
    assert featurizer.fit(images) is featurizer
    first = featurizer.transform(images)
    np.testing.assert_allclose(featurizer.fit(images).transform(images), first)
    assert featurizer.n_features_in_ == images.shape[1]
    assert first.shape == (12, 2 * 4 * 4)  # two signs x 4 filters x 4 quadrants


def test_featurizer_is_invariant_to_row_order_and_subsets(images):
    featurizer = _featurizer().fit(images)
    full = featurizer.transform(images)
    order = np.random.default_rng(1).permutation(len(images))
    np.testing.assert_allclose(featurizer.transform(images[order]), full[order])
    np.testing.assert_allclose(featurizer.transform(images[3:7]), full[3:7])


def test_featurizer_pickles_clones_and_refuses_bad_images(images):
    import pickle

    featurizer = _featurizer().fit(images)
    restored = pickle.loads(pickle.dumps(featurizer))
    np.testing.assert_array_equal(
        restored.transform(images), featurizer.transform(images)
    )
    assert repr(clone(featurizer)) == repr(featurizer)
    bad = images.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        featurizer.transform(bad)
    with pytest.raises(ValueError, match="expecting 192 features"):
        featurizer.transform(images[:, :-1])
    with pytest.raises(ValueError, match="values per row"):
        _featurizer().fit(images[:, :10])


def test_featurizer_reads_read_only_and_float32_images(images):
    featurizer = _featurizer().fit(images)
    frozen = images.copy()
    frozen.setflags(write=False)
    np.testing.assert_array_equal(
        featurizer.transform(frozen), featurizer.transform(images)
    )
    assert featurizer.transform(images.astype(np.float32)).dtype == np.float32
