"""Natural image patches from scikit-learn's bundled sample photographs."""

from numbers import Integral

import numpy as np
from sklearn.datasets import load_sample_images
from sklearn.feature_extraction.image import extract_patches_2d
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from .._validation import check_allocation, refuse_boolean_counts

_POSITIVE = [Interval(Integral, 1, None, closed="left")]


@validate_params(
    {"patch_size": _POSITIVE, "n_patches": _POSITIVE, "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def load_sample_patches(
    patch_size: int = 8,
    n_patches: int = 10_000,
    *,
    random_state: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Grayscale patches of scikit-learn's two bundled sample photographs.

    Natural image patches for small experiments, with no file to fetch: equal
    numbers of random ``patch_size x patch_size`` patches from each image of
    :func:`sklearn.datasets.load_sample_images`, gray levels in [0, 1].

    Parameters
    ----------
    patch_size : int, default=8
        Side of the square patches, at most 427 (the height of the smaller
        photograph).

    n_patches : int, default=10_000
        Number of patches (rounded up to an even number), at most the number
        of positions in a photograph, twice.

    random_state : int, RandomState instance or None, default=None
        Seeds the patch positions.

    Returns
    -------
    patches : ndarray of shape (n_patches, patch_size**2)
        One flattened patch per row.

    Examples
    --------
    >>> from skscore.datasets import load_sample_patches
    >>> load_sample_patches(6, 100, random_state=0).shape
    (100, 36)
    """
    refuse_boolean_counts(
        "load_sample_patches", patch_size=patch_size, n_patches=n_patches
    )
    images = load_sample_images().images
    height = min(min(image.shape[:2]) for image in images)
    if patch_size > height:
        raise ValueError(
            f"patch_size={patch_size} is larger than the sample photographs "
            f"(the smaller side of the smaller is {height} pixels)."
        )
    # patches are drawn without replacement from each photograph's positions
    per_image = -(-n_patches // 2)
    n_positions = min(
        (image.shape[0] - patch_size + 1) * (image.shape[1] - patch_size + 1)
        for image in images
    )
    if per_image > n_positions:
        raise ValueError(
            f"n_patches={n_patches} asks for {per_image} patches per photograph, "
            f"which have only {n_positions} positions of {patch_size}x{patch_size} "
            "patches. Lower n_patches or patch_size."
        )
    check_allocation(
        2 * 8 * 2 * per_image * patch_size**2,
        f"n_patches={n_patches} patches of {patch_size}x{patch_size}",
        "Lower n_patches.",
    )
    rng = check_random_state(random_state)
    return np.vstack(
        [
            extract_patches_2d(
                image.mean(axis=2) / 255,
                (patch_size, patch_size),
                max_patches=per_image,
                random_state=rng,
            ).reshape(per_image, -1)
            for image in images
        ]
    )
