"""Feature names: each names the unit, sign and place of its column."""

import re

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import StandardScaler

from skscore import (
    ConvolutionalFeaturizer,
    DenoisingSMTransformer,
    GBRBMScoreMatching,
    MPoTAutoencoder,
)
from skscore.preprocessing import n_patch_positions

pd = pytest.importorskip("pandas")
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def frame():
    X = StandardScaler().fit_transform(load_digits().data[:200, 16:32])
    return pd.DataFrame(X, columns=[f"pixel{i}" for i in range(16, 32)])


def _unit_rows(model):
    """The row of ``input_filters()`` of each unit name, e.g. 'mean1' -> 4."""
    rows, row = {}, 0
    for block in model._model.units:
        kind = model._unit_kinds.get(block.n_units, "unit")
        for index in range(getattr(model, f"{block.filters}_").shape[0]):
            rows[f"{kind}{index}"] = row
            row += 1
    return rows


@pytest.mark.parametrize(
    "model",
    [
        GBRBMScoreMatching(3, max_iter=5, random_state=0),
        MPoTAutoencoder(2, 3, max_iter=5, random_state=0),
    ],
    ids=["gbrbm", "mpot"],
)
def test_soft_threshold_columns_are_named_by_unit_and_sign(frame, model):
    out = model.set_output(transform="pandas").fit_transform(frame)
    names = model.get_feature_names_out()
    assert list(out.columns) == list(names)
    prefix = type(model).__name__.lower()
    # the projection p of v / sigma - b on each unit's filter, at unit norm
    filters, _ = model.input_filters()
    unit = filters / np.linalg.norm(filters, axis=1, keepdims=True)
    X = frame.to_numpy()
    projections = (X / model.visible_std_ - model.intercept_visible_) @ unit.T
    rows = _unit_rows(model)
    for name in names:
        kind, index, sign = re.fullmatch(
            prefix + r"_(unit|covariance|mean)(\d+)_(pos|neg)", name
        ).groups()
        p = projections[:, rows[f"{kind}{index}"]]
        expected = np.maximum(0, (p if sign == "pos" else -p) - model.threshold)
        # one float64 product of 16 terms: round-off of a few ulps
        np.testing.assert_allclose(out[name], expected, rtol=1e-12, atol=1e-12)
    assert len(set(names)) == len(names) == 2 * len(rows)


def test_expectation_and_relu_name_one_column_per_unit(frame):
    model = MPoTAutoencoder(2, 3, encoding="expectation", max_iter=5, random_state=0)
    out = model.set_output(transform="pandas").fit_transform(frame)
    assert list(out.columns) == [
        "mpotautoencoder_covariance0",
        "mpotautoencoder_covariance1",
        "mpotautoencoder_mean0",
        "mpotautoencoder_mean1",
        "mpotautoencoder_mean2",
    ]
    model.set_params(encoding="relu")
    filters, intercepts = model.input_filters()
    relu = np.maximum(0, frame.to_numpy() @ filters.T + intercepts)
    np.testing.assert_allclose(
        model.transform(frame)["mpotautoencoder_mean2"], relu[:, 4], rtol=1e-12
    )


def test_the_meta_estimator_and_a_feature_union_keep_the_names(frame):
    dsm = DenoisingSMTransformer(
        GBRBMScoreMatching(2, encoding="relu", max_iter=5), random_state=0
    ).set_output(transform="pandas")
    out = dsm.fit_transform(frame)
    assert list(out.columns) == [
        "gbrbmscorematching_unit0",
        "gbrbmscorematching_unit1",
    ]
    union = FeatureUnion(
        [
            ("sm", GBRBMScoreMatching(2, max_iter=5, random_state=0)),
            ("dsm", GBRBMScoreMatching(2, objective="dsm", max_iter=5, random_state=0)),
        ]
    ).set_output(transform="pandas")
    columns = list(union.fit_transform(frame).columns)
    assert columns[0] == "sm__gbrbmscorematching_unit0_pos"
    assert columns[-1] == "dsm__gbrbmscorematching_unit1_neg"
    assert len(set(columns)) == len(columns) == 8


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).integers(0, 256, (12, 3 * 8 * 8))


COMMON = {"patch_size": 3, "image_shape": (3, 8, 8), "n_patches": 300}


@pytest.mark.parametrize(
    "estimator, code",
    [
        (GBRBMScoreMatching(2, max_iter=5, random_state=0), "unit"),
        (MPoTAutoencoder(1, 1, max_iter=5, random_state=0), "(?:covariance|mean)"),
        (KMeans(2, n_init=1, random_state=0), "filter"),
    ],
    ids=["gbrbm", "mpot", "kmeans"],
)
def test_featurizer_names_say_unit_sign_and_quadrant(images, estimator, code):
    featurizer = ConvolutionalFeaturizer(
        estimator, pooling=None, random_state=0, **COMMON
    ).set_output(transform="pandas")
    positions = featurizer.fit_transform(images)
    featurizer.set_params(pooling="quadrant")
    pooled = featurizer.transform(images)
    assert list(pooled.columns) == list(featurizer.get_feature_names_out())
    n_rows, n_cols = n_patch_positions((3, 8, 8), 3, 1)
    pattern = r"convolutionalfeaturizer_(" + code + r"\d+_(?:pos|neg))"
    for name in pooled.columns:
        unit, quadrant = re.fullmatch(pattern + r"_q(\d)", name).groups()
        bottom, right = divmod(int(quadrant), 2)
        # q0 top left, q1 top right, q2 bottom left, q3 bottom right
        columns = [
            f"convolutionalfeaturizer_{unit}_row{r}_col{c}"
            for r in range(n_rows)
            for c in range(n_cols)
            if (r >= n_rows // 2) == bottom and (c >= n_cols // 2) == right
        ]
        # a float32 sum of at most 9 codes of up to about 10
        np.testing.assert_allclose(
            pooled[name], positions[columns].sum(axis=1), rtol=1e-5, atol=1e-5
        )
    assert len(pooled.columns) == 4 * len(positions.columns) // (n_rows * n_cols)


def test_featurizer_transform_encoding_uses_the_estimators_names(images):
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(2, encoding="expectation", max_iter=5),
        encoding="transform",
        random_state=0,
        **COMMON,
    ).fit(images)
    names = featurizer.get_feature_names_out()
    assert names[:3].tolist() == [
        "convolutionalfeaturizer_gbrbmscorematching_unit0_q0",
        "convolutionalfeaturizer_gbrbmscorematching_unit1_q0",
        "convolutionalfeaturizer_gbrbmscorematching_unit0_q1",
    ]
    assert len(names) == featurizer.transform(images).shape[1] == 8
