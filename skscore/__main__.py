"""Command line: ``python -m skscore demo`` and ``python -m skscore --version``."""

import argparse
import sys
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import LinearSVC

from . import DenoisingSMTransformer, GBRBMScoreMatching, MPoTAutoencoder, __version__


def _feature_learner(model, random_state):
    """The featurizer of ``python -m skscore demo --model MODEL`` and its filters."""
    if model == "gbrbm":
        feat = GBRBMScoreMatching(n_components=256, random_state=random_state)
        return feat, lambda fitted: fitted.components_
    if model == "dsm":
        feat = DenoisingSMTransformer(
            GBRBMScoreMatching(n_components=256),
            noise=0.3,
            random_state=random_state,
        )
        return feat, lambda fitted: fitted.estimator_.components_
    feat = MPoTAutoencoder(
        n_covariance=32,
        n_mean=256,
        visible_std="learn",
        random_state=random_state,
    )
    return feat, lambda fitted: fitted.covariance_components_


def demo(model="gbrbm", output="filters.png", random_state=0):
    """Digits classification with learned features against two baselines.

    Fits, on 70% of scikit-learn's digits, a linear SVM on standardized raw
    pixels, on scikit-learn's ``BernoulliRBM`` features and on the features of
    ``model`` ("gbrbm": ``GBRBMScoreMatching`` by score matching, "dsm": the
    same model by denoising score matching at noise 0.3, "mpot":
    ``MPoTAutoencoder``), prints test accuracy and fit time, and saves a
    picture of the learned filters.

    Returns
    -------
    results : dict
        ``{name: (test accuracy, fit seconds)}`` and the fitted pipeline of
        ``model`` under ``"pipeline"``.
    """
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=random_state
    )
    feat, filters = _feature_learner(model, random_state)
    pipelines = {
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
        _LABELS[model]: Pipeline(
            [("scale", StandardScaler()), ("feat", feat), ("svm", LinearSVC())]
        ),
    }
    print(
        f"digits: {len(X_train)} training and {len(X_test)} test images of "
        f"{X.shape[1]} pixels; features classified by LinearSVC"
    )
    print(f"{'features':<34}{'accuracy':>10}{'fit time':>12}")
    results = {}
    for name, pipe in pipelines.items():
        start = time.perf_counter()
        pipe.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        results[name] = (pipe.score(X_test, y_test), seconds)
        print(f"{name:<34}{results[name][0]:>10.1%}{seconds:>11.1f}s")
    results["pipeline"] = pipe
    fitted = pipe.named_steps["feat"]
    n_iter = getattr(fitted, "estimator_", fitted).n_iter_
    print(f"(feature learning stopped after {n_iter} L-BFGS iterations)")
    _save_filters(filters(fitted), _LABELS[model], output)
    return results


_LABELS = {
    "gbrbm": "GBRBMScoreMatching (SM)",
    "dsm": "GBRBMScoreMatching (DSM, 0.3)",
    "mpot": "MPoTAutoencoder (SM)",
}


def _save_filters(components, label, output):
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no picture of the filters")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_filters

    ax = plot_filters(components, (8, 8))
    ax.set_title(f"{label} filters (largest 100)")
    ax.figure.savefig(output, dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    print(f"filters saved to {output}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m skscore",
        epilog="The CIFAR-10 benchmark is a script of the repository: "
        "python benchmarks/cifar10.py --help.",
    )
    parser.add_argument("--version", action="version", version=f"skscore {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo", help="digits: learned features against raw pixels and BernoulliRBM"
    )
    demo_parser.add_argument(
        "--model",
        choices=sorted(_LABELS),
        default="gbrbm",
        help="gbrbm: GBRBM by score matching; dsm: by denoising score matching; "
        "mpot: mean-covariance product of Student-t",
    )
    demo_parser.add_argument(
        "--output", default="filters.png", help="where to save the filter picture"
    )
    args = parser.parse_args(argv)
    demo(model=args.model, output=args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
