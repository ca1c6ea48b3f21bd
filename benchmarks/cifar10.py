"""CIFAR-10 test accuracy of every feature learner in one pipeline.

    python benchmarks/cifar10.py [--data-home DIR] [--download] [--quick]
        [--classifier {logistic,svm}] [--rows ROW ...] [--cache DIR] [--redo]
        [--output FILE]

Each row: raw images -> skscore.ConvolutionalFeaturizer -> standardization ->
a linear classifier (--classifier: the multinomial logistic regression or
the L2-SVM), C chosen on a validation split by a grid that extends itself
past an edge and is refined around the best, the classifier refitted at that
C on all the training images, the test set scored once.

Writes benchmarks/results/cifar10_<classifier>.json (or
cifar10_quick_<classifier>.json: one file per scale and classifier) after
every row and the markdown table beside it; rows already there are skipped,
so the full run (hours on 2 cores) can be done in pieces. The benchmark is
the package _cifar10 beside this script.
"""

import argparse
import sys
from pathlib import Path

from _cifar10 import results, runner  # the package beside this script
from _cifar10.classify import CLASSIFIERS

RESULTS = Path(__file__).resolve().parent / "results"


def parser():
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="python benchmarks/cifar10.py",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument(
        "--data-home",
        help="directory holding CIFAR-10 (cifar10.npz or cifar-10-batches-py/); "
        "by default SKSCORE_DATA, then scikit-learn's data home",
    )
    parser.add_argument(
        "--download",
        action="store_true",
        help="download CIFAR-10 (163 MB, once, checksum verified) into the data "
        "home when it is not there",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: minutes, not hours"
    )
    parser.add_argument(
        "--classifier",
        choices=list(CLASSIFIERS),
        default="logistic",
        help="; ".join(f"{name}: {what}" for name, what in CLASSIFIERS.items()),
    )
    parser.add_argument("--rows", nargs="+", help="run only these rows (by name)")
    parser.add_argument(
        "--redo", action="store_true", help="rerun rows already in the results"
    )
    parser.add_argument(
        "--cache",
        help="directory keeping each row's encoded features, to rerun the "
        "classifier (or run the other one) without encoding again",
    )
    parser.add_argument(
        "--output",
        help="results JSON, updated after every row (the markdown table beside "
        "it); finished rows are skipped. Default: under benchmarks/results, "
        "cifar10_<classifier>.json, or cifar10_quick_<classifier>.json with "
        "--quick: each scale and classifier has its own file",
    )
    return parser


def default_output(quick, classifier):
    """The results file of a scale and classifier when ``--output`` is not given."""
    return RESULTS / f"cifar10{'_quick' if quick else ''}_{classifier}.json"


def main(argv=None):
    """Run the benchmark from the command line ``argv`` and print its table.

    Returns the exit status: 1, with a message and no traceback, when
    CIFAR-10 is missing or the results file must not be written to.
    """
    args = parser().parse_args(argv)
    output = Path(args.output or default_output(args.quick, args.classifier))
    try:
        found = runner.run(
            args.rows,
            quick=args.quick,
            classifier=args.classifier,
            data_home=args.data_home,
            output=output,
            redo=args.redo,
            cache=args.cache,
            download=args.download,
        )
    except (FileNotFoundError, results.ResultsFileError) as exc:
        print(f"benchmarks/cifar10.py: {exc}", file=sys.stderr)
        return 1
    print(results.markdown_table(found))
    print(f"results in {output} and {output.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
