"""The CIFAR-10 controls (random patches, OMP-1) and the dictionary measures.

Imported from the benchmarks folder (tests/conftest.py puts it on the path);
every test runs on small generated data.
"""

import json

import cifar10_dictionaries
import numpy as np
import pytest
from _cifar10 import diagnosis, protocol
from _cifar10.dictionaries import (
    OMP1,
    DenoisedPatches,
    GaussianDirections,
    RandomPatches,
    WarmStarted,
)

from skscore import ConvolutionalFeaturizer, GBRBMScoreMatching

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# float32 products of 3 to 108 terms of unit size: a few hundred ulps
RTOL32 = 100 * np.finfo(np.float32).eps


def _atoms_data(rng, n_atoms=5, n_features=12, n_rows=3000):
    """Rows that are each +-(gain) x one of ``n_atoms`` orthonormal atoms."""
    atoms = np.linalg.qr(rng.standard_normal((n_features, n_atoms)))[0].T
    which = rng.integers(n_atoms, size=n_rows)
    gains = rng.uniform(0.5, 2, n_rows) * rng.choice([-1, 1], n_rows)
    return atoms, (gains[:, None] * atoms[which]).astype(np.float32)


def test_omp1_recovers_the_atoms_of_gain_shape_data():
    rng = np.random.default_rng(0)
    atoms, X = _atoms_data(rng)
    # more atoms than the data has, as vector quantization wants: with as
    # many, two may settle on one atom from an unlucky start, as k-means does
    found = OMP1(n_components=20, random_state=0).fit(X).components_
    np.testing.assert_allclose(np.linalg.norm(found, axis=1), 1, rtol=RTOL32)
    # each true atom is a learned atom up to its sign
    cosines = np.abs(atoms @ found.T)
    np.testing.assert_allclose(np.sort(cosines.max(axis=1)), 1, rtol=RTOL32)


def test_omp1_redraws_atoms_no_patch_chose():
    rng = np.random.default_rng(1)
    _, X = _atoms_data(rng, n_atoms=2)
    found = OMP1(n_components=6, max_iter=3, random_state=0).fit(X).components_
    assert np.isfinite(found).all()
    np.testing.assert_allclose(np.linalg.norm(found, axis=1), 1, rtol=RTOL32)


def test_random_patches_are_rows_of_the_data_at_unit_norm():
    X = np.random.default_rng(2).standard_normal((50, 7))
    found = RandomPatches(n_components=10, random_state=0).fit(X).components_
    scaled = X / np.linalg.norm(X, axis=1, keepdims=True)
    matches = np.abs(found @ scaled.T).max(axis=1)
    np.testing.assert_allclose(matches, 1, rtol=1e-12)
    assert len({tuple(row) for row in found}) == 10  # drawn without replacement


def test_gaussian_directions_are_unit_norm_and_seeded():
    X = np.zeros((4, 9))
    one = GaussianDirections(n_components=3, random_state=0).fit(X).components_
    two = GaussianDirections(n_components=3, random_state=0).fit(X).components_
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(np.linalg.norm(one, axis=1), 1, rtol=1e-12)


def test_denoised_patches_are_the_model_denoise_of_random_patches():
    X = np.random.default_rng(3).standard_normal((200, 6))
    model = GBRBMScoreMatching(n_components=3, max_iter=5, random_state=0)
    found = DenoisedPatches(model, n_components=4, random_state=0).fit(X)
    chosen = RandomPatches(n_components=4, random_state=0).fit(X).components_
    drawn = np.random.RandomState(0).choice(len(X), 4, replace=False)
    np.testing.assert_allclose(
        chosen, X[drawn] / np.linalg.norm(X[drawn], axis=1, keepdims=True)
    )
    np.testing.assert_allclose(
        found.components_, found.model_.denoise(X[drawn], n_steps=1, step_size=1.0)
    )


def test_warm_started_gbrbm_starts_at_the_atoms_and_trains_from_there():
    X = np.random.default_rng(4).standard_normal((300, 6))
    model = GBRBMScoreMatching(n_components=4, max_iter=10, random_state=0)
    warm = WarmStarted(model, RandomPatches(n_components=4, random_state=0)).fit(X)
    start = RandomPatches(n_components=4, random_state=0).fit(X).components_
    started = warm.start_components_
    np.testing.assert_allclose(
        started / np.linalg.norm(started, axis=1, keepdims=True), start, rtol=1e-6
    )
    assert warm.model_.n_iter_ > 1  # trained on after the one building iteration
    assert not np.allclose(warm.model_.components_, started)


def test_controls_serve_the_featurizer_soft_threshold():
    images = np.random.default_rng(5).integers(0, 256, size=(30, 3 * 8 * 8))
    for control in (RandomPatches(4, random_state=0), OMP1(4, random_state=0)):
        featurizer = ConvolutionalFeaturizer(
            control, patch_size=3, image_shape=(3, 8, 8), n_patches=400, random_state=0
        )
        assert featurizer.fit_transform(images).shape == (30, 2 * 4 * 4)


def test_the_benchmark_has_the_control_rows_with_their_published_figures():
    rows = protocol.rows(protocol.QUICK)
    for name, published in (
        ("random patches, soft threshold", 0.7914),
        ("OMP-1, soft threshold", 0.7996),
    ):
        featurizer, noises = rows[name]
        assert noises is None and protocol.PUBLISHED[name] == published
        assert featurizer.encoding == "soft_threshold" and featurizer.threshold == 0.25
        assert featurizer.estimator.n_components == protocol.QUICK.n_units


def test_spectrum_shares_sum_to_one_and_follow_the_filters():
    rng = np.random.default_rng(6)
    scales = np.array([3.0, 2.0, 1.0, 0.5])
    whitened = rng.standard_normal((5000, 4)) * scales
    # filters along the largest- and smallest-variance axes
    energy, variances = diagnosis.spectrum(np.eye(4)[[0, 3]] * [[2.0], [5.0]], whitened)
    np.testing.assert_allclose(energy.sum(), 1, rtol=1e-12)
    assert np.all(np.diff(variances) <= 0)
    np.testing.assert_allclose(energy[[0, 3]], 0.5, atol=0.01)


def test_coherence_counts_near_copies():
    filters = np.array([[1.0, 0, 0], [0.99, 0.1, 0], [0, 0, 1]])
    median, near = diagnosis.coherence(filters)
    cosine = 0.99 / np.hypot(0.99, 0.1)
    np.testing.assert_allclose(median, cosine, rtol=1e-12)
    np.testing.assert_allclose(near, 2 / 3, rtol=1e-12)


def test_activity_finds_dead_and_saturated_filters():
    rng = np.random.default_rng(7)
    whitened = np.column_stack([rng.standard_normal(4000), np.full(4000, 1e-3)])
    measured = diagnosis.activity(np.eye(2), whitened, threshold=0.25)
    assert measured["dead"] == 0.5  # the second axis never exceeds 0.25
    assert measured["saturated"] == 0.5  # |N(0, 1)| > 0.25 on 80% of rows


def test_sweep_runs_resumes_and_draws_its_figure(
    tmp_path, monkeypatch, cifar10_npz_home
):
    tiny = cifar10_dictionaries.Sweep(
        n_train=60, n_validation=40, n_patches=600, n_units=4, max_iter=3, stride=4
    )
    monkeypatch.setattr(cifar10_dictionaries, "QUICK", tiny)
    output, picture = tmp_path / "sweep.json", tmp_path / "sweep.png"
    argv = ["--quick", "--data-home", str(cifar10_npz_home), "--output", str(output)]
    names = ["random patches", "GBRBM SM (default: learned sigma)"]
    cifar10_dictionaries.main([*argv, "--dictionaries", *names])
    first = json.loads(output.read_text())
    assert list(first) == names
    for row in first.values():
        assert 0 <= row["validation_accuracy"] <= 1
        np.testing.assert_allclose(sum(row["energy_by_direction"]), 1, rtol=1e-9)
    # a rerun skips what is there and adds the rest
    cifar10_dictionaries.main(
        [*argv, "--dictionaries", *names, "OMP-1", "--figure", str(picture)]
    )
    second = json.loads(output.read_text())
    assert second[names[0]] == first[names[0]] and "OMP-1" in second
    assert picture.stat().st_size > 0
