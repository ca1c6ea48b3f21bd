"""Feature learning with energy-based models trained by score matching."""

from ._denoising import DenoisingSMTransformer
from ._energy_model import EnergyModelTransformer
from ._gbrbm import GBRBMScoreMatching
from ._mpot import MPoTAutoencoder
from .convolutional import ConvolutionalFeaturizer

__all__ = [
    "ConvolutionalFeaturizer",
    "DenoisingSMTransformer",
    "EnergyModelTransformer",
    "GBRBMScoreMatching",
    "MPoTAutoencoder",
]
# the one definition of the version: pyproject.toml reads it (setuptools'
# dynamic version), and so do the docs
__version__ = "0.1.0"
