"""Data sets: CIFAR-10, natural image patches, synthetic GBRBM data.

:func:`load_cifar10` reads CIFAR-10 from a local copy and
:func:`fetch_cifar10` downloads it once, checked, into a data home;
:func:`load_sample_patches` cuts patches from scikit-learn's sample
photographs; :func:`make_gbrbm` draws exact samples from a random
Gaussian-Bernoulli RBM.
"""

from ._cifar10_loader import fetch_cifar10, load_cifar10
from ._cifar10_reader import CIFAR10_DIRECTORY
from ._patches import load_sample_patches
from ._synthetic import make_gbrbm

__all__ = [
    "CIFAR10_DIRECTORY",
    "fetch_cifar10",
    "load_cifar10",
    "load_sample_patches",
    "make_gbrbm",
]
