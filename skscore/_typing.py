"""Type aliases of the public signatures."""

import numpy as np

#: a seed, a random number generator, or None for fresh entropy
RandomStateLike = int | np.random.RandomState | None
