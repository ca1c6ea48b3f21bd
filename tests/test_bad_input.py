"""Bad parameters and inputs get clear errors, never silent wrong output."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skscore import (
    ConvolutionalFeaturizer,
    DenoisingSMTransformer,
    GBRBMScoreMatching,
    MPoTAutoencoder,
    convolutional,
)
from skscore.preprocessing import (
    extract_patches,
    n_patch_positions,
    normalize_patches,
    sample_patches,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X = np.random.default_rng(0).standard_normal((200, 6))


@pytest.mark.parametrize("objective", ["sm", "cd", "pcd"])
@pytest.mark.parametrize("learning_rate", [1e39, 1e300])
def test_diverging_adam_steps_name_the_learning_rate(objective, learning_rate):
    # float32 parameters overflow at the first step
    model = GBRBMScoreMatching(
        4, objective=objective, learning_rate=learning_rate, random_state=0
    )
    with pytest.raises(ValueError, match="learning_rate=.* is too large"):
        model.partial_fit(X.astype(np.float32))
    if objective != "sm":  # the likelihood objectives fit by Adam too
        with pytest.raises(ValueError, match="learning_rate=.* is too large"):
            model.set_params(max_iter=2).fit(X.astype(np.float32))


def test_a_learned_visible_std_leaving_its_range_names_the_learning_rate():
    # learning_rate=10 drove visible_std_ to 1.4e24 before, silently
    digits = StandardScaler().fit_transform(load_digits().data)
    model = GBRBMScoreMatching(16, learning_rate=10.0, random_state=0)
    with pytest.raises(ValueError, match="log_visible_std diverge"):
        for _ in range(5):
            model.partial_fit(digits)


@pytest.mark.parametrize(
    "model, change, n_features_out",
    [
        (GBRBMScoreMatching(4, max_iter=3, random_state=0), {"n_components": 8}, 16),
        (MPoTAutoencoder(3, 2, max_iter=3, random_state=0), {"n_covariance": 5}, 14),
        (MPoTAutoencoder(3, 2, max_iter=3, random_state=0), {"n_mean": 1}, 8),
    ],
)
def test_changing_the_number_of_units_under_warm_start_raises(
    model, change, n_features_out
):
    model.set_params(warm_start=True).fit(X)
    model.set_params(**change)
    with pytest.raises(ValueError, match="cannot change its size"):
        model.fit(X)
    with pytest.raises(ValueError, match="cannot change its size"):
        model.partial_fit(X)
    model.set_params(warm_start=False).fit(X)  # a cold fit takes the new size
    assert model.transform(X).shape[1] == n_features_out  # two signs per unit


def test_warm_start_takes_a_new_fixed_visible_std():
    model = GBRBMScoreMatching(
        4, visible_std=1.0, max_iter=3, warm_start=True, random_state=0
    ).fit(X)
    model.set_params(visible_std=2.0).fit(X)
    assert model.visible_std_ == 2.0


def test_quadrant_pooling_with_empty_quadrants_raises():
    images = np.zeros((4, 3 * 8 * 8))
    featurizer = ConvolutionalFeaturizer(
        stride=6, image_shape=(3, 8, 8), patch_size=3, random_state=0
    )
    with pytest.raises(ValueError, match="1x1 grid .* quadrant"):
        featurizer.fit(images)
    features = ConvolutionalFeaturizer(
        GBRBMScoreMatching(2, max_iter=2, random_state=0),
        stride=6,
        image_shape=(3, 8, 8),
        patch_size=3,
        pooling=None,
        n_patches=50,
        whiten=False,
        random_state=0,
    ).fit_transform(np.random.default_rng(0).integers(0, 256, (4, 192)))
    assert features.shape == (4, 4)  # 2 units, two signs, one position


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: extract_patches(np.zeros((2, 48)), (3, 4, 4), patch_size=0),
            "patch_size",
        ),
        (lambda: extract_patches(np.zeros((2, 48)), (3, 4, 4), 2, stride=0), "stride"),
        (lambda: extract_patches(np.zeros((2, 48)), (3, 4, 4), 2, stride=-1), "stride"),
        (lambda: extract_patches(np.zeros((2, 48)), (3, 4, 4), patch_size=5), "larger"),
        (lambda: extract_patches(np.zeros((2, 48)), (3, -4, -4), 2), "image_shape"),
        (lambda: n_patch_positions((3, 4, 4), 2, stride=0), "stride"),
        (lambda: sample_patches(np.zeros((2, 48)), 0, (3, 4, 4), 2), "n_patches"),
        (lambda: sample_patches(np.zeros((2, 48)), -3, (3, 4, 4), 2), "n_patches"),
        (lambda: sample_patches(np.zeros((0, 48)), 3, (3, 4, 4), 2), "no images"),
        (lambda: sample_patches(np.zeros((2, 48)), 3, (3, 4, 4), 0), "patch_size"),
        (lambda: normalize_patches(np.zeros((2, 3)), eps=0), "eps"),
        (lambda: normalize_patches(np.zeros((2, 3)), eps=-1), "eps"),
        (lambda: normalize_patches(np.zeros((0, 3))), "0 sample"),
        (lambda: normalize_patches(np.full((2, 3), np.nan)), "NaN"),
    ],
)
def test_preprocessing_functions_validate_their_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_dsm_transformer_passes_verbose_through(progress_lines):
    DenoisingSMTransformer(
        GBRBMScoreMatching(3, max_iter=2), verbose=1, random_state=0
    ).fit(X)
    assert len(progress_lines()) == 3  # two iterations and the end


def test_featurizer_logs_fit_stages_and_encoding_progress(progress_lines, monkeypatch):
    images = np.random.default_rng(0).integers(0, 256, (30, 3 * 8 * 8))
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(2, max_iter=2, random_state=0),
        patch_size=3,
        image_shape=(3, 8, 8),
        n_patches=100,
        verbose=1,
        random_state=0,
    ).fit(images)
    lines = progress_lines()
    assert lines[0].startswith("Fitting GBRBMScoreMatching on 100 patches")
    assert any(line.startswith("Iteration 2/2, loss") for line in lines)
    monkeypatch.setattr(convolutional, "_PROGRESS_SECONDS", 0.0)
    with config_context(working_memory=0.1):  # several chunks of images
        featurizer.transform(images)
    encoded = [line for line in progress_lines() if line.startswith("Encoded")]
    assert len(encoded) > 1 and encoded[-1].startswith("Encoded 30/30 images")


@pytest.mark.parametrize("scale", [1e-20, 1e20])
def test_float32_data_out_of_float32_range_raises(scale):
    X32 = (X * scale).astype(np.float32)
    with pytest.raises(ValueError, match="outside what float32.*float64"):
        GBRBMScoreMatching(4, max_iter=2, random_state=0).fit(X32)
    GBRBMScoreMatching(4, max_iter=2, random_state=0).fit(
        X32.astype(np.float64)
    )  # fine


@pytest.mark.parametrize(
    "model",
    [GBRBMScoreMatching(4, random_state=0), MPoTAutoencoder(3, 2, random_state=0)],
)
def test_float64_data_out_of_range_raises(model):
    with pytest.raises(ValueError, match="outside what float64"):
        model.set_params(max_iter=2).fit(X * 1e200)


def test_partial_fit_takes_chunks_too_small_to_measure_the_scale(progress_lines):
    model = GBRBMScoreMatching(4, verbose=1, random_state=0).partial_fit(X)
    model.partial_fit(X[:1])  # one row: no variance of its own
    assert model.n_iter_ == 2
    lines = progress_lines()
    assert len(lines) == 2 and lines[1].startswith("partial_fit pass 2 over 1 rows")


def test_dsm_noise_ten_times_the_data_scale_warns():
    with pytest.warns(UserWarning, match="noise=20.*more than 10 times larger"):
        GBRBMScoreMatching(
            3, objective="dsm", noise=20.0, max_iter=2, random_state=0
        ).fit(X)


def test_empty_images_and_bad_image_shape_raise():
    with pytest.raises(ValueError, match="no images"):
        extract_patches(np.empty((0, 192)), (3, 8, 8), 3)
    with pytest.raises(ValueError, match="three positive integers"):
        ConvolutionalFeaturizer(image_shape=(3, 0, 32), random_state=0).fit(
            np.zeros((2, 96))
        )
