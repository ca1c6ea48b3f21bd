"""pytest configuration for the whole repository."""

import os

# scikit-learn's check_array_api_input runs only when SciPy's array API
# support is on, and SciPy reads this flag once, at import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
