"""Cost of ``ConvolutionalFeaturizer.transform`` against its matrix products.

    python benchmarks/encoding.py [--quick]

A featurizer is fitted on random CIFAR-sized images (6x6 colour patches,
ZCA whitening, a GBRBM of K filters) and ``transform`` is timed on N images
at stride 1 for each encoding, against its floor measured in the same run
on arrays of the same shapes: the whitening product (patches x 108 x 108)
and the encoding product (patches x 108 x K), in float32. Reports the ratio
and the seconds per 10,000 images. The relu and the soft threshold compose
the ZCA whitening into the encoding product, so they skip the first product
and can run below this floor. Results go to
benchmarks/results/encoding.json (encoding_quick.json).
"""

import argparse
import json
import platform
import warnings
from pathlib import Path

import numpy as np
from _files import atomic_write  # the modules beside this script
from _timing import best_time, encoding_floor

from skscore import ConvolutionalFeaturizer, GBRBMScoreMatching
from skscore.preprocessing import n_patch_positions

RESULTS = Path(__file__).parent / "results"
SIZES = {
    "full": {"N": 500, "K": 400, "repeats": 3},
    "quick": {"N": 50, "K": 50, "repeats": 2},
}
ENCODINGS = [
    {"encoding": "soft_threshold", "threshold": 0.25},
    {"encoding": "relu"},
    {"encoding": "transform"},
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", help="results JSON (default under results/)")
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    size = SIZES[mode]
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(size["N"], 3 * 32 * 32)).astype(np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        featurizer = ConvolutionalFeaturizer(
            GBRBMScoreMatching(size["K"], max_iter=5, random_state=0),
            n_patches=20_000,
            random_state=0,
        ).fit(images)
    n_rows, n_cols = n_patch_positions((3, 32, 32), 6)
    n_patches = size["N"] * n_rows * n_cols
    rows = []
    for setting in ENCODINGS:
        featurizer.set_params(**setting)
        # quadrant pooling: four sums of every code
        n_codes = featurizer.transform(images[:2]).shape[1] // 4
        # the encoding product has one column per filter (soft threshold: the
        # two signs of one product)
        floor = encoding_floor(n_patches, 108, size["K"], size["repeats"])
        seconds = best_time(lambda: featurizer.transform(images), size["repeats"])
        rows.append(
            {
                **setting,
                "n_codes": n_codes,
                "seconds": seconds,
                "floor_seconds": floor,
                "ratio_to_floor": seconds / floor,
                "seconds_per_10000_images": seconds * 10_000 / size["N"],
            }
        )
        print(
            f"{str(setting):50} {seconds:7.2f} s  floor {floor:6.2f} s  "
            f"x{seconds / floor:.2f}  {rows[-1]['seconds_per_10000_images']:.0f} s "
            "per 10,000 images",
            flush=True,
        )
    output = Path(
        args.output or RESULTS / f"encoding{'_quick' if args.quick else ''}.json"
    )
    results = {
        "mode": mode,
        "sizes": size,
        "machine": {"processor": platform.processor(), "numpy": np.__version__},
        "rows": rows,
    }
    atomic_write(output, json.dumps(results, indent=2))
    print(f"written to {output}")


if __name__ == "__main__":
    main()
