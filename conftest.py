"""pytest configuration for the whole repository."""

import os
from pathlib import Path

# scikit-learn's check_array_api_input runs only when SciPy's array API
# support is on, and SciPy reads this flag once, at import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# Doctests and examples read CIFAR-10 from the shared data folder of the
# developer machines and CI unless SKSCORE_DATA says otherwise.
os.environ.setdefault(
    "SKSCORE_DATA", str(Path(__file__).resolve().parents[1] / "shared" / "data")
)
