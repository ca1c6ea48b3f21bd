"""CIFAR-10 test accuracy of every feature learner in one pipeline.

    python benchmarks/cifar10.py --data-home ../shared/data [--quick] [--rows NAME ...]

Writes benchmarks/results/cifar10.json (or cifar10_quick.json) after every
row and the markdown table beside it; rows already there are skipped, so the
full run (hours on 2 cores) can be done in pieces. The same benchmark runs as
``python -m skscore cifar10``.
"""

import argparse
from pathlib import Path

from skscore.__main__ import add_cifar10_arguments, run_cifar10

RESULTS = Path(__file__).parent / "results"

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_cifar10_arguments(parser)
    args = parser.parse_args()
    if args.output == "cifar10.json":  # the default: keep results with the benchmarks
        args.output = str(
            RESULTS / ("cifar10_quick.json" if args.quick else "cifar10.json")
        )
    run_cifar10(args)
