"""The CIFAR-10 benchmark: its command line, and that no finished row is lost.

The benchmark is benchmarks/cifar10.py and the package benchmarks/_cifar10,
imported from the benchmarks folder (tests/conftest.py puts it on the path).
Every test runs on the generated CIFAR-10 look-alike at a tiny scale; no
real benchmark row is run.
"""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import _files
import cifar10
import numpy as np
import pytest
from _cifar10 import classify, features, kmeans, protocol, results, runner
from cifar10 import main

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
TINY = protocol.Scale(
    n_train=300,
    n_validation=100,
    n_test=100,
    n_patches=3000,
    n_model_patches=3000,
    n_units=8,
    paper_units=(2, 1),
    max_iter=5,
    n_passes=1,
    stride=4,
)
LOGISTIC = protocol.CLASSIFICATIONS["logistic"]
# what the results file of a tiny --quick run holds besides its rows
TINY_JSON = results.identity(TINY, LOGISTIC)
TABLE = list(protocol.rows(TINY))
# a row computed in a fraction of a second (the raw pixels' classifier, on
# 3,072 features, took 0.4 s to 48 s here depending on the BLAS threads' luck)
CHEAP = "GBRBM SM, soft threshold"


@pytest.fixture
def argv(tmp_path, monkeypatch, cifar10_npz_home):
    """``--quick`` at the tiny scale, on the generated data, into tmp_path."""
    monkeypatch.setattr(protocol, "QUICK", TINY)
    output = tmp_path / "results.json"
    return ["--quick", "--data-home", str(cifar10_npz_home)] + [
        "--output",
        str(output),
    ]


def _output(argv):
    return Path(argv[argv.index("--output") + 1])


def _row(accuracy):
    return {
        "learn_seconds": 1.0,
        "encode_seconds": 2.0,
        "n_features": 10,
        "test_accuracy": accuracy,
        "C": 0.01,
        "validation_accuracy": {"0.01": accuracy},
        "classify_seconds": 3.0,
    }


def _write(path, rows, expected=TINY_JSON):
    path.write_text(json.dumps({**expected, "rows": rows}, indent=2))


@pytest.mark.slow  # runs benchmark rows end to end
def test_cli_runs_rows_writes_json_and_table_and_resumes(argv, capsys):
    output = _output(argv)
    rows = [CHEAP, "GBRBM DSM, soft threshold"]
    assert main([*argv, "--rows", *rows]) == 0
    stored = json.loads(output.read_text())
    assert list(stored["rows"]) == rows
    dsm = stored["rows"]["GBRBM DSM, soft threshold"]
    assert str(dsm["noise"]) == max(dsm["noise_scores"], key=dsm["noise_scores"].get)
    assert dsm["n_features"] == 4 * 2 * 8
    assert 0 <= dsm["test_accuracy"] <= 1
    table = output.with_suffix(".md").read_text()
    assert f"| {CHEAP} |" in table and "| GBRBM DSM, soft threshold |" in table
    capsys.readouterr()
    assert main([*argv, "--rows", CHEAP]) == 0
    assert "already in" in capsys.readouterr().out
    with pytest.raises(ValueError, match="Unknown rows"):
        main([*argv, "--rows", "no such row"])


@pytest.mark.slow  # runs benchmark rows end to end
def test_dsm_rows_report_the_noise_chosen_by_validation_accuracy(argv, capsys):
    output, cache = _output(argv), _output(argv).parent / "cache"
    name = "GBRBM DSM, soft threshold"
    assert main([*argv, "--cache", str(cache), "--rows", name]) == 0
    row = json.loads(output.read_text())["rows"][name]
    by_accuracy = row["noise_by_accuracy"]
    levels = protocol.rows(TINY)[name][1]
    # each level's patch model is fitted once, by the noise choice
    out = capsys.readouterr().out
    assert out.count("features learned while choosing the noise") == len(levels)
    assert "learning features" not in out
    # every level learned, encoded, cached and classified
    assert sorted(map(float, by_accuracy["validation_accuracy"])) == sorted(levels)
    assert len(_cache_files(cache)) == len(levels)
    # the held-out score's level is the row itself
    score_choice = by_accuracy["validation_accuracy"][str(row["noise"])]
    assert score_choice == max(row["validation_accuracy"].values())
    best = max(by_accuracy["validation_accuracy"].values())
    assert by_accuracy["validation_accuracy"][str(by_accuracy["noise"])] == best
    if by_accuracy["noise"] == row["noise"]:
        assert by_accuracy["test_accuracy"] == row["test_accuracy"]
    assert 0 <= by_accuracy["test_accuracy"] <= 1
    tested = by_accuracy["test_accuracy_by_noise"]
    assert tested.keys() == by_accuracy["validation_accuracy"].keys()
    assert tested[str(row["noise"])] == row["test_accuracy"]
    assert tested[str(by_accuracy["noise"])] == by_accuracy["test_accuracy"]
    cells = f"| {row['noise']:g} | {by_accuracy['noise']:g} ("
    assert cells in output.with_suffix(".md").read_text()
    # a rerun reads every level's features from the cache
    output.unlink()
    capsys.readouterr()
    assert main([*argv, "--cache", str(cache), "--rows", name]) == 0
    assert capsys.readouterr().out.count("features from") == len(levels)
    again = json.loads(output.read_text())["rows"][name]
    assert again["noise_by_accuracy"] == by_accuracy
    assert again["test_accuracy"] == row["test_accuracy"]


@pytest.mark.slow  # runs benchmark rows end to end
def test_a_killed_dsm_row_resumes_at_the_noise_level_it_stopped(
    argv, capsys, monkeypatch
):
    output = _output(argv)
    name = "GBRBM DSM, soft threshold"
    levels = protocol.rows(TINY)[name][1]
    evaluate, calls, kill = classify.evaluate, [], [True]

    def killed_at_the_last_level(*args, **kwargs):
        calls.append(args)
        if kill[0] and len(calls) == len(levels):
            raise KeyboardInterrupt
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(classify, "evaluate", killed_at_the_last_level)
    with pytest.raises(KeyboardInterrupt):
        main([*argv, "--rows", name])
    saved = json.loads(output.read_text())["rows"][name]
    unfinished = saved["noise_by_accuracy"]
    assert "noise" not in unfinished
    for by_noise in unfinished.values():
        assert len(by_noise) == len(levels) - 1
    # the row at the held-out score's level is in the table already
    table = output.with_suffix(".md").read_text()
    assert f"| {name} | {saved['test_accuracy']:.1%} |" in table
    # the rerun takes it up: only the missing level is learned and classified
    kill[0] = False
    calls.clear()
    capsys.readouterr()
    assert main([*argv, "--rows", name]) == 0
    out = capsys.readouterr().out
    assert "resuming" in out and "held-out score" not in out
    assert len(calls) == 1
    row = json.loads(output.read_text())["rows"][name]
    assert row["test_accuracy"] == saved["test_accuracy"]
    by_accuracy = row["noise_by_accuracy"]
    assert sorted(map(float, by_accuracy["validation_accuracy"])) == sorted(levels)
    for key, by_noise in unfinished.items():
        assert by_accuracy[key].items() >= by_noise.items()
    assert by_accuracy["C"] == by_accuracy["C_by_noise"][str(by_accuracy["noise"])]
    # and a finished row is skipped
    assert main([*argv, "--rows", name]) == 0
    assert "already in" in capsys.readouterr().out and len(calls) == 1


@pytest.mark.parametrize(
    "accuracies, chosen",
    [
        ({0.3: 0.5, 1.0: 0.7, 2.0: 0.6}, 1.0),  # the best validation accuracy
        ({0.3: 0.6, 1.0: 0.7, 2.0: 0.7}, 2.0),  # ties: the held-out choice
        ({0.3: 0.7, 1.0: 0.7, 2.0: 0.6}, 0.3),  # then the smaller level
    ],
)
def test_noise_by_accuracy_breaks_ties_by_the_score_then_the_smaller_level(
    accuracies, chosen
):
    def classified(name, definition):
        noise = definition[0].get_params()["estimator__noise"]
        return {
            "validation_accuracy": {
                0.01: accuracies[noise] - 0.1,
                0.1: accuracies[noise],
            },
            "C": 0.1,
            "test_accuracy": noise / 10,
        }

    featurizer, noises = protocol.rows(TINY)["GBRBM DSM, soft threshold"]
    row = {"noise": 2.0, "validation_accuracy": {0.1: accuracies[2.0]}, "C": 0.1}
    row["test_accuracy"] = 0.2
    saved = []
    fields = runner.noise_by_accuracy(
        "row", featurizer, noises, row, classified, print, saved.append
    )
    assert fields["validation_accuracy"] == accuracies
    assert fields["noise"] == chosen
    assert fields["test_accuracy"] == pytest.approx(chosen / 10)
    # the row itself (2.0) included
    assert fields["test_accuracy_by_noise"] == {noise: noise / 10 for noise in noises}
    assert fields["C_by_noise"] == {noise: 0.1 for noise in noises}
    # saved with the held-out score's level, then after each other level
    assert len(saved) == len(noises)
    assert "noise" not in saved[-1]["noise_by_accuracy"]


@pytest.mark.parametrize("classifier", ["svm", "logistic"])
def test_rows_record_the_classifier_the_chosen_C_and_the_refit(argv, classifier):
    output = _output(argv)
    assert main([*argv, "--classifier", classifier, "--rows", CHEAP]) == 0
    stored = json.loads(output.read_text())
    assert stored["classification"]["classifier"] == classifier
    assert stored["classification"]["refit"] is True
    row = stored["rows"][CHEAP]
    assert row["classifier"] == classifier and row["refit"] is True
    assert row["n_fit_images"] == TINY.n_train  # training and validation images
    accuracies = row["validation_accuracy"]
    assert accuracies[str(row["C"])] == max(accuracies.values())
    assert len(accuracies) >= 5  # the starting grid, then half and quarter decades
    assert f"| {classifier} | {row['C']:.3g} | 300 |" in (
        output.with_suffix(".md").read_text()
    )


def test_a_file_of_another_classifier_or_an_earlier_version_is_kept(argv, capsys):
    output = _output(argv)
    _write(output, {"raw pixels": _row(0.3)})  # the logistic regression's
    before = output.read_bytes()
    assert main([*argv, "--classifier", "svm", "--rows", CHEAP]) == 1
    assert f"{output} holds results of another classification" in (
        capsys.readouterr().err
    )
    assert output.read_bytes() == before
    # written before the classification was recorded: C on a fixed grid, no refit
    output.write_text(
        json.dumps({"scale": TINY_JSON["scale"], "rows": {"raw pixels": _row(0.3)}})
    )
    before = output.read_bytes()
    assert main([*argv, "--rows", CHEAP]) == 1
    assert f"{output} was written by an earlier version" in capsys.readouterr().err
    assert output.read_bytes() == before


def test_rows_written_by_a_parallel_run_are_kept(argv, monkeypatch):
    output = _output(argv)
    evaluate = classify.evaluate

    def classify_while_a_parallel_run_finishes(*args):
        # another run writes its row after this run has read the file
        _write(output, {"raw pixels": _row(0.3)})
        return evaluate(*args)

    monkeypatch.setattr(classify, "evaluate", classify_while_a_parallel_run_finishes)
    assert main([*argv, "--rows", "BernoulliRBM (scikit-learn)"]) == 0
    rows = json.loads(output.read_text())["rows"]
    assert list(rows) == ["raw pixels", "BernoulliRBM (scikit-learn)"]
    assert rows["raw pixels"] == _row(0.3)
    assert "| raw pixels | 30.0% |" in output.with_suffix(".md").read_text()


# -- a killed writer, two writers at once ---------------------------------------

_KILLED_WRITER = """
import json, os, sys, time
from pathlib import Path
import _files
from _cifar10 import results

output, where = Path(sys.argv[1]), sys.argv[2]
expected = json.loads(sys.argv[3])

def killed_here():
    print("writing", flush=True)
    time.sleep(60)

if where == "mid-bytes":
    # the first half of the new file is written when SIGKILL comes
    atomic_writer = _files.atomic_writer
    class HalfWriter:
        def __init__(self, f):
            self.f = f
        def write(self, data):
            self.f.write(data[: len(data) // 2])
            self.f.flush()
            killed_here()
    def half_writer(path):
        class Context:
            def __enter__(self):
                self.inner = atomic_writer(path)
                return HalfWriter(self.inner.__enter__())
            def __exit__(self, *exc):
                return self.inner.__exit__(*exc)
        return Context()
    _files.atomic_writer = half_writer
else:  # written and flushed, not yet renamed over the results
    os.fsync = lambda fd: killed_here()
row = {"test_accuracy": 0.9, "learn_seconds": 1, "encode_seconds": 1,
       "classify_seconds": 1, "pad": "x" * 1_000_000}
results.save_row(output, expected, "raw pixels", row, [])
"""


@pytest.mark.parametrize("where", ["mid-bytes", "before-rename"])
def test_a_writer_killed_mid_write_loses_no_row(tmp_path, where):
    output = tmp_path / "results.json"
    earlier = {name: _row(0.1 * i) for i, name in enumerate(TABLE[:3])}
    for name, row in earlier.items():
        results.save_row(output, TINY_JSON, name, row, TABLE)
    before = output.read_bytes(), output.with_suffix(".md").read_bytes()
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _KILLED_WRITER,
            str(output),
            where,
            json.dumps(TINY_JSON),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(BENCHMARKS)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline() == "writing\n"
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.wait(30)
    assert writer.returncode == -signal.SIGKILL
    # every earlier row is there, the files as they were
    assert (output.read_bytes(), output.with_suffix(".md").read_bytes()) == before
    assert json.loads(output.read_text())["rows"] == earlier
    assert list(tmp_path.glob(".results.json.*.tmp"))  # what it was writing
    # the next writer gets the lock and cleans up after the dead one
    saved = results.save_row(output, TINY_JSON, "raw pixels", _row(0.5), TABLE)
    assert saved["rows"] == {**earlier, "raw pixels": _row(0.5)}
    assert json.loads(output.read_text()) == saved
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "results.json",
        "results.json.lock",
        "results.md",
    ]


def _save_rows(output, writer, n_rows, start):
    # widen the window between reading and writing the file
    write_files = results.write_files

    def slow_write_files(*args):
        time.sleep(0.005)
        write_files(*args)

    results.write_files = slow_write_files
    start.wait()
    for i in range(n_rows):
        results.save_row(output, TINY_JSON, f"writer {writer} row {i}", _row(0.5), [])


@pytest.mark.skipif(_files.fcntl is None, reason="advisory locks need fcntl")
def test_two_writers_at_once_keep_every_row(tmp_path):
    output = tmp_path / "results.json"
    context = multiprocessing.get_context("fork")
    start = context.Barrier(2)
    writers = [
        context.Process(target=_save_rows, args=(output, writer, 15, start))
        for writer in range(2)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    rows = json.loads(output.read_text())["rows"]
    assert sorted(rows) == sorted(
        f"writer {writer} row {i}" for writer in range(2) for i in range(15)
    )


def test_a_full_disk_leaves_the_results_file_whole(tmp_path, monkeypatch):
    output = tmp_path / "results.json"
    results.save_row(output, TINY_JSON, "raw pixels", _row(0.4), TABLE)
    before = output.read_bytes()

    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space left"):
        results.save_row(output, TINY_JSON, TABLE[0], _row(0.6), TABLE)
    assert output.read_bytes() == before
    assert not list(tmp_path.glob("*.tmp"))


# -- one file per scale, foreign rows, corrupt files ----------------------------


def test_quick_run_never_touches_the_full_results(
    tmp_path, monkeypatch, cifar10_npz_home, capsys
):
    monkeypatch.setattr(protocol, "QUICK", TINY)
    monkeypatch.setattr(cifar10, "RESULTS", tmp_path)  # the default outputs' folder
    full_protocol = results.identity(protocol.FULL, LOGISTIC)
    full = tmp_path / "cifar10_logistic.json"
    _write(full, {name: _row(0.7) for name in TABLE}, expected=full_protocol)
    before = full.read_bytes()
    quick = ["--quick", "--data-home", str(cifar10_npz_home)]
    assert main([*quick, "--rows", CHEAP]) == 0
    # the default output of --quick is its own file
    quick_output = tmp_path / "cifar10_quick_logistic.json"
    assert list(json.loads(quick_output.read_text())["rows"]) == [CHEAP]
    assert full.read_bytes() == before
    # a quick run told to write into the full results stops before any work
    capsys.readouterr()
    assert main([*quick, "--output", str(full), "--rows", CHEAP]) == 1
    error = capsys.readouterr().err
    assert f"{full} holds results at another scale" in error
    assert full.read_bytes() == before


def test_stored_rows_missing_from_the_table_are_kept_and_reported(argv, capsys):
    output = _output(argv)
    _write(output, {"an old row": _row(0.2), "raw pixels": _row(0.3)})
    assert main([*argv, "--rows", "raw pixels", CHEAP]) == 0
    assert "also holds rows the table does not define, kept: ['an old row']" in (
        capsys.readouterr().out
    )
    rows = json.loads(output.read_text())["rows"]
    assert list(rows) == ["raw pixels", CHEAP, "an old row"]
    assert rows["an old row"] == _row(0.2) and rows["raw pixels"] == _row(0.3)
    assert "| an old row | 20.0% |" in output.with_suffix(".md").read_text()


@pytest.mark.parametrize(
    "content",
    [b"", b'{"scale": {"n_train"', b"[1, 2]", b'{"scale": {}, "rows": []}', b"\xff"],
    ids=["empty", "truncated", "a list", "rows not an object", "not utf-8"],
)
def test_a_corrupt_results_file_stops_the_run_and_is_kept(
    argv, capsys, monkeypatch, content
):
    output = _output(argv)
    output.write_bytes(content)
    # nothing may be computed
    monkeypatch.setattr(features, "learn_and_encode", None)
    assert main([*argv, "--rows", "raw pixels"]) == 1
    assert f"{output} is not a readable results file" in capsys.readouterr().err
    assert output.read_bytes() == content
    assert not output.with_suffix(".md").exists()


def test_a_file_corrupted_during_the_run_is_kept_and_the_row_rescued(tmp_path):
    output = tmp_path / "results.json"
    output.write_text('{"scale": ')
    with pytest.raises(results.ResultsFileError, match="saved to .*rescued") as error:
        results.save_row(output, TINY_JSON, "raw pixels", _row(0.4), TABLE)
    assert str(output) in str(error.value)
    assert output.read_text() == '{"scale": '
    rescued = json.loads((tmp_path / "results.raw_pixels.rescued.json").read_text())
    assert rescued == {**TINY_JSON, "rows": {"raw pixels": _row(0.4)}}


# -- cached features ------------------------------------------------------------


def _cache_files(cache):
    return sorted(p.name for p in cache.iterdir())


@pytest.mark.slow  # runs benchmark rows end to end
def test_cached_features_rerun_only_the_classifier(argv, capsys):
    output, cache = _output(argv), _output(argv).parent / "cache"
    argv = [*argv, "--cache", str(cache), "--rows", "paper: mPoT PCD"]
    assert main(argv) == 0
    first = json.loads(output.read_text())["rows"]["paper: mPoT PCD"]
    [name] = _cache_files(cache)
    assert name.startswith("paper__mpot_pcd-") and name.endswith(".npz")
    assert "features from" not in capsys.readouterr().out
    assert main([*argv, "--redo"]) == 0  # --redo learns and encodes again
    assert "features from" not in capsys.readouterr().out
    first = json.loads(output.read_text())["rows"]["paper: mPoT PCD"]
    output.unlink()
    assert main(argv) == 0
    assert "features from" in capsys.readouterr().out
    again = json.loads(output.read_text())["rows"]["paper: mPoT PCD"]
    assert again["test_accuracy"] == first["test_accuracy"]
    assert again["learn_seconds"] == first["learn_seconds"]


@pytest.mark.slow  # runs benchmark rows end to end
def test_a_parameter_change_makes_the_cache_stale(argv, capsys, monkeypatch):
    output, cache = _output(argv), _output(argv).parent / "cache"
    name = CHEAP
    argv = [*argv, "--cache", str(cache), "--rows", name]
    assert main(argv) == 0
    output.unlink()
    capsys.readouterr()
    rows = protocol.rows

    def changed_threshold(scale):
        table = rows(scale)
        featurizer, noises = table[name]
        table[name] = (featurizer.set_params(threshold=0.5), noises)
        return table

    monkeypatch.setattr(protocol, "rows", changed_threshold)
    assert main(argv) == 0
    assert "features from" not in capsys.readouterr().out
    assert len(_cache_files(cache)) == 2
    # so does a change of scale: more features per position
    output.unlink()
    monkeypatch.setattr(protocol, "QUICK", replace(TINY, n_units=6))
    assert main(argv) == 0
    assert "features from" not in capsys.readouterr().out
    assert json.loads(output.read_text())["rows"][name]["n_features"] == 4 * 2 * 6
    # and of the images
    output.unlink()
    monkeypatch.setattr(protocol, "QUICK", replace(TINY, n_train=299))
    assert main(argv) == 0
    assert "features from" not in capsys.readouterr().out
    assert len(_cache_files(cache)) == 4
    # the same everything reads the cache
    output.unlink()
    assert main(argv) == 0
    assert "features from" in capsys.readouterr().out


@pytest.mark.slow  # runs benchmark rows end to end
def test_a_truncated_cache_file_is_computed_again(argv, capsys):
    output, cache = _output(argv), _output(argv).parent / "cache"
    argv = [*argv, "--cache", str(cache), "--rows", CHEAP]
    assert main(argv) == 0
    [path] = cache.iterdir()
    path.write_bytes(path.read_bytes()[:1000])
    output.unlink()
    capsys.readouterr()
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "are unreadable" in out and "features from" not in out
    with np.load(path) as stored:  # written again, whole
        assert stored["train"].shape == (200, 4 * 2 * 8)
    output.unlink()
    assert main(argv) == 0
    assert "features from" in capsys.readouterr().out


# -- getting the data -------------------------------------------------------------


def test_without_data_the_cli_says_how_to_get_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(protocol, "QUICK", TINY)
    output = tmp_path / "results.json"
    argv = ["--quick", "--data-home", str(tmp_path / "empty")]
    assert main([*argv, "--output", str(output)]) == 1
    captured = capsys.readouterr()
    assert "fetch_cifar10" in captured.err and "--download" in captured.err
    assert "Traceback" not in captured.err and not output.exists()


def test_cli_downloads_the_data_when_asked(tmp_path, monkeypatch, cifar10_server):
    monkeypatch.setattr(protocol, "QUICK", TINY)
    home, output = tmp_path / "home", tmp_path / "results.json"
    argv = ["--quick", "--download", "--data-home", str(home)]
    assert main([*argv, "--output", str(output), "--rows", CHEAP]) == 0
    assert (home / "cifar-10-batches-py" / "test_batch").is_file()
    assert cifar10_server.requests == 1


def test_triangle_kmeans_encoding():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    model = kmeans.TriangleKMeans(n_clusters=8, random_state=0).fit(X)
    codes = model.transform(X[:10])
    distances = np.linalg.norm(X[:10, None, :] - model.kmeans_.cluster_centers_, axis=2)
    expected = np.maximum(distances.mean(axis=1, keepdims=True) - distances, 0)
    np.testing.assert_allclose(codes, expected, rtol=1e-6, atol=1e-9)
    # a row fires for the centroids closer than average, and some never fire
    assert np.all((codes > 0).sum(axis=1) >= 1) and np.all(
        (codes == 0).sum(axis=1) >= 1
    )
