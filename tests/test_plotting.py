"""The figures of skscore.plotting draw what they say."""

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skscore import GBRBMScoreMatching, MPoTAutoencoder
from skscore.plotting import plot_denoising, plot_mpot_filters, plot_score_terms

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    matplotlib.pyplot.close("all")


def test_score_terms_show_score_matching_trading_error_for_regularizers():
    X = StandardScaler().fit_transform(load_digits().data[:500])
    models = {
        "score matching": GBRBMScoreMatching(
            32, visible_std=1.0, max_iter=10, random_state=0
        ),
        "autoencoder": GBRBMScoreMatching(
            32, objective="ae", visible_std=1.0, max_iter=10, random_state=0
        ),
    }
    axes = plot_score_terms(models, X, n_rounds=4)
    assert [ax.get_title() for ax in axes] == ["squared error", "variance", "curvature"]
    final = {
        line.get_label(): [ax.lines[i].get_ydata()[-1] for ax in axes]
        for i, line in enumerate(axes[0].lines)
    }
    assert list(axes[0].lines[0].get_xdata()) == [10, 20, 30, 40]
    # the autoencoder reconstructs better, score matching has the lower total
    assert final["autoencoder"][0] < final["score matching"][0]
    assert sum(final["score matching"]) < sum(final["autoencoder"])
    # the curves are the model's own terms
    model = GBRBMScoreMatching(32, visible_std=1.0, max_iter=40, random_state=0)
    model.fit(X)
    np.testing.assert_allclose(
        final["score matching"], model.score_terms(X).mean(axis=0), rtol=0.05
    )


def test_mpot_filters_are_drawn_in_the_given_basis():
    rng = np.random.default_rng(0)
    X = 0.5 * rng.standard_t(5, size=(300, 6))
    model = MPoTAutoencoder(4, 3, max_iter=5, random_state=0).fit(X)
    basis = rng.normal(size=(6, 16))
    axes = plot_mpot_filters(model, (4, 4), basis=basis)
    # 2 x 2 tiles of 4 x 4 pixels with one-pixel borders; 3 mean filters too
    assert axes[0].images[0].get_array().shape == (11, 11)
    assert axes[1].images[0].get_array().shape == (11, 11)
    tile = axes[0].images[0].get_array()[1:5, 1:5]
    largest = model.covariance_components_ @ basis
    largest = largest[np.argmax(np.linalg.norm(largest, axis=1))].reshape(4, 4)
    np.testing.assert_allclose(tile, 0.5 + 0.5 * largest / np.abs(largest).max())


def test_denoising_panel_shows_the_patches_and_their_errors():
    rng = np.random.default_rng(0)
    clean = rng.normal(size=(20, 9))
    noisy = clean + rng.normal(size=clean.shape)
    axes = plot_denoising(clean, noisy, clean + 0.1, (3, 3), n_images=4)
    assert axes[2].get_title() == "denoised (error 0.01)"
    error = np.mean((noisy - clean) ** 2)
    assert axes[1].get_title() == f"noisy (error {error:.3g})"
    grid = axes[1].images[0].get_array()
    assert grid.shape == (9, 9)
    np.testing.assert_allclose(grid[5:8, 1:4], noisy[2].reshape(3, 3))
