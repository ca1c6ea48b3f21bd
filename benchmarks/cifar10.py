"""CIFAR-10 test accuracy of every feature learner in one pipeline.

    python benchmarks/cifar10.py [--data-home DIR] [--download] [--quick] [--rows ...]

Writes benchmarks/results/cifar10.json (or cifar10_quick.json: one file per
scale) after every row and the markdown table beside it; rows already there
are skipped, so the full run (hours on 2 cores) can be done in pieces. The
same benchmark runs as ``python -m skscore cifar10``.
"""

import argparse
import sys
from pathlib import Path

from skscore.__main__ import add_cifar10_arguments, default_output, run_cifar10

RESULTS = Path(__file__).parent / "results"

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_cifar10_arguments(parser)
    args = parser.parse_args()
    if args.output is None:  # the default: keep results with the benchmarks
        args.output = str(RESULTS / default_output(args.quick))
    sys.exit(run_cifar10(args))
