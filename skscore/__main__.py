"""Command line: ``python -m skscore demo``."""

import argparse
import sys
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import LinearSVC

from . import GBRBMScoreMatching


def _demo_pipelines(random_state):
    """The three digits pipelines compared by the demo, by name."""
    return {
        "raw pixels": Pipeline([("scale", StandardScaler()), ("svm", LinearSVC())]),
        "BernoulliRBM (scikit-learn)": Pipeline(
            [
                ("scale", MinMaxScaler()),
                (
                    "feat",
                    BernoulliRBM(
                        n_components=256,
                        learning_rate=0.06,
                        n_iter=20,
                        random_state=random_state,
                    ),
                ),
                ("svm", LinearSVC()),
            ]
        ),
        "GBRBMScoreMatching": Pipeline(
            [
                ("scale", StandardScaler()),
                (
                    "feat",
                    GBRBMScoreMatching(
                        n_components=256, max_iter=300, random_state=random_state
                    ),
                ),
                ("svm", LinearSVC()),
            ]
        ),
    }


def demo(output="gbrbm_filters.png", random_state=0):
    """Digits classification with learned features against two baselines.

    Fits each pipeline of ``_demo_pipelines`` on 70% of scikit-learn's digits,
    prints test accuracy and fit time, and saves the score matching filters.

    Returns
    -------
    results : dict
        ``{name: (test accuracy, fit seconds)}`` and the fitted score matching
        pipeline under ``"pipeline"``.
    """
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=random_state
    )
    print(
        f"digits: {len(X_train)} training and {len(X_test)} test images of "
        f"{X.shape[1]} pixels; features classified by LinearSVC"
    )
    print(f"{'features':<30}{'accuracy':>10}{'fit time':>12}")
    results = {}
    for name, pipe in _demo_pipelines(random_state).items():
        start = time.perf_counter()
        pipe.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        results[name] = (pipe.score(X_test, y_test), seconds)
        print(f"{name:<30}{results[name][0]:>10.1%}{seconds:>11.1f}s")
    results["pipeline"] = pipe
    _save_filters(pipe.named_steps["feat"], output)
    return results


def _save_filters(model, output):
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no picture of the filters")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_filters

    ax = plot_filters(model.components_, (8, 8))
    ax.set_title("GBRBM filters learned by score matching (largest 100)")
    ax.figure.savefig(output, dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    print(f"filters saved to {output}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m skscore")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo",
        help="digits: score matching features against raw pixels and BernoulliRBM",
    )
    demo_parser.add_argument(
        "--output", default="gbrbm_filters.png", help="where to save the filter picture"
    )
    args = parser.parse_args(argv)
    demo(output=args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
