"""Feature learning with energy-based models trained by score matching."""

from ._gbrbm import GBRBMScoreMatching

__all__ = ["GBRBMScoreMatching"]
__version__ = "0.1.0"
