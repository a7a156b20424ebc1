"""The run loop: accounting by isomorphism class, budget, early stop, checkpoints."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from naspredict.benchmark_data import BenchmarkTable, load_table
from naspredict.errors import InvalidTargetError, MissingColumnError, NasPredictError
from naspredict.search import (
    LocalSearch,
    RandomSearch,
    RegularizedEvolution,
    Strategy,
    TableObjective,
    Trajectory,
    _run,
    column_scorer,
    make_strategy,
    markdown_table,
    run_search,
    run_searches,
    summarize,
)

TOLD: list = []  # what the (cloned) Scripted strategy of the last run was told


class Scripted(Strategy):
    """Proposes a fixed list, ``batch`` at a time; records what it was told in TOLD."""

    def __init__(self, *, archs=(), batch=3):
        self.archs = archs
        self.batch = batch

    def _start(self):
        self.next_ = 0
        TOLD.clear()

    def ask(self, history):
        out = list(self.archs[self.next_ : self.next_ + self.batch])
        self.next_ += len(out)
        return out

    def tell(self, archs, values):
        TOLD.extend(zip(archs, values, strict=True))


class Repeating(Strategy):
    """Proposes the one cell ``arch`` again and again."""

    def __init__(self, *, arch=None):
        self.arch = arch

    def ask(self, history):
        return [self.arch]

    def tell(self, archs, values):
        pass


def isomorphic_pair(space):
    """Two different spellings of one isomorphism class."""
    ids = space.class_ids
    code = int(np.flatnonzero(np.bincount(ids)[ids] > 1)[0])
    other = int(np.flatnonzero(ids == ids[code])[1])
    return space.archs_from_codes([code, other])


def test_a_class_costs_one_query_and_answers_the_same(objective):
    space = objective.space
    a, b = isomorphic_pair(space)
    first = np.unique(space.class_ids, return_index=True)[1]
    c, d = [
        x for x in space.archs_from_codes(first[5:8]) if space.canonical(x) != space.canonical(a)
    ][:2]
    run = run_search(Scripted(archs=[a, c, b, a, d], batch=2), objective, budget=10)
    assert len(run) == 3  # a and b are one class; a repeat is free
    values = dict(TOLD)
    assert values[a] == values[b] == objective.query(space.codes([a]))[0]
    assert [arch for arch, _ in TOLD] == [a, c, b, a, d]
    assert run.stopped == "exhausted"


def test_strategies_see_only_the_query_metric(objective):
    space = objective.space
    archs = space.sample(np.random.default_rng(1), 20)
    run_search(Scripted(archs=archs, batch=7), objective, budget=100)
    told = [v for _, v in TOLD]
    assert np.allclose(told, objective.query(space.codes(archs)))
    assert not np.allclose(told, objective.report(space.codes(archs)))


def test_budget_cuts_a_batch(objective):
    run = run_search(RandomSearch(batch=64), objective, budget=10, seed=3)
    assert len(run) == 10 and run.stopped == "budget"
    classes = objective.classes(run.codes)
    assert len(np.unique(classes)) == 10
    assert np.array_equal(run.elapsed(), np.cumsum(objective.time(run.codes)))


def test_same_seed_same_run_and_early_stop_changes_no_curve(objective):
    full = run_search(RegularizedEvolution(), objective, budget=300, seed=4)
    again = run_search(RegularizedEvolution(), objective, budget=300, seed=4)
    other = run_search(RegularizedEvolution(), objective, budget=300, seed=5)
    assert np.array_equal(full.codes, again.codes)
    assert not np.array_equal(full.codes, other.codes)
    stopped = run_search(
        RegularizedEvolution(), objective, budget=300, seed=4, stop_at_optimum=True
    )
    assert full.found_at is not None, "the synthetic optimum is easy to find"
    assert stopped.stopped == "optimum" and len(stopped) == full.found_at
    assert np.array_equal(stopped.codes, full.codes[: full.found_at])
    assert np.array_equal(stopped.incumbent_report(), full.incumbent_report())
    assert objective.classes(full.codes[full.found_at - 1]) == objective.optimum_class


def test_incumbent_is_the_first_best_by_query():
    t = Trajectory(
        strategy="x", seed=0, budget=6, codes=np.arange(4),
        query=np.array([np.nan, 2.0, 5.0, 5.0]), report=np.array([9.0, 1.0, 3.0, 4.0]),
        time=None, found_at=None, stopped="exhausted", seconds=0.0,
    )  # fmt: skip
    assert np.array_equal(t.incumbent(), [-1, 1, 2, 2, 2, 2])
    assert np.allclose(t.incumbent_report(), [np.nan, 1, 3, 3, 3, 3], equal_nan=True)
    back = Trajectory.from_dict(json.loads(json.dumps(t.to_dict())))
    assert np.allclose(back.query, t.query, equal_nan=True) and back.budget == 6


def test_objective_regret_floor_and_missing_rows(table, synthetic_frame):
    from naspredict.benchmark_data import BenchmarkTable

    objective = TableObjective(table, "valid", "test")
    assert objective.describe()["regret_floor"] >= 0
    assert objective.query(objective.space.codes(table.archs[:1]))[0] == table.column("valid")[0]
    with pytest.raises(MissingColumnError, match="no column 'nope'"):
        TableObjective(table, "valid", time_column="nope")
    partial = BenchmarkTable(synthetic_frame(missing=1), space="tnb101-micro")
    space = partial.space
    values = TableObjective(partial, "valid").query(np.arange(len(space)))
    assert np.array_equal(np.isnan(values), space.class_ids == 0)  # no row of the class
    # a row without a value is an error, as fit's NaN targets are, not a silent gap
    holed = table.frame.copy()
    holed.loc[3, "test"] = np.nan
    with pytest.raises(InvalidTargetError, match="1 row\\(s\\) have a NaN or infinite 'test'"):
        TableObjective(BenchmarkTable(holed, space=table.space), "valid", "test")
    with pytest.raises(InvalidTargetError, match="'arch' holds values that are not numbers"):
        TableObjective(table, "arch")


def test_column_scorer_lowest_for_missing(table, synthetic_frame):
    from naspredict.benchmark_data import BenchmarkTable

    scores = BenchmarkTable(synthetic_frame(missing=1), space="tnb101-micro")
    out = column_scorer(scores, "proxy")(table.archs)
    assert out.shape == (len(table),)
    assert np.array_equal(np.isneginf(out), table.space.class_ids == 0)


def test_checkpoint_resumes_and_ignores_a_torn_line(table, objective, tmp_path, monkeypatch):
    path = tmp_path / "runs.jsonl"
    strategies = {"random": RandomSearch(), "local": LocalSearch()}
    first = run_searches(
        strategies, objective, budget=30, seeds=range(3), n_jobs=1, checkpoint=path, progress=False
    )
    lines = path.read_text().splitlines()
    assert len(lines) == 6
    path.write_text("\n".join(lines[:4]) + "\n" + lines[4][:50])  # killed while writing
    again = run_searches(
        strategies, objective, budget=30, seeds=range(3), n_jobs=1, checkpoint=path, progress=False
    )
    assert len(path.read_text().splitlines()) == 6
    for a, b in zip(first, again, strict=True):
        assert (a.strategy, a.seed) == (b.strategy, b.seed)
        assert np.array_equal(a.codes, b.codes)
    # damaged rows of this experiment (codes outside the space, a value per code lost, a
    # key gone): dropped, and their runs run again
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    rows[0]["codes"] = [10**12] * len(rows[0]["codes"])
    rows[1]["query"] = rows[1]["query"][:1]
    del rows[2]["seconds"]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    repaired = run_searches(
        strategies, objective, budget=30, seeds=range(3), n_jobs=1, checkpoint=path, progress=False
    )
    for a, b in zip(first, repaired, strict=True):
        assert np.array_equal(a.codes, b.codes) and np.array_equal(a.query, b.query)
    assert len(path.read_text().splitlines()) == 9
    path.write_text("".join(line + "\n" for line in lines[:6]))
    # another budget is another experiment: nothing is reused
    other = run_searches(
        {"random": RandomSearch()}, objective, budget=20, seeds=[0], n_jobs=1,
        checkpoint=path, progress=False,
    )  # fmt: skip
    assert len(other[0]) == 20 and len(path.read_text().splitlines()) == 7
    # the same command on another table: its runs are its own, not the first table's
    frame = table.frame.assign(valid=table.frame["valid"][::-1].to_numpy())
    shuffled = TableObjective(BenchmarkTable(frame, space=table.space), "valid", "test")
    assert shuffled.fingerprint != objective.fingerprint
    fresh = run_searches(
        {"random": RandomSearch()}, shuffled, budget=20, seeds=[0], n_jobs=1, progress=False
    )
    resumed = run_searches(
        {"random": RandomSearch()}, shuffled, budget=20, seeds=[0], n_jobs=1,
        checkpoint=path, progress=False,
    )  # fmt: skip
    assert np.array_equal(resumed[0].query, fresh[0].query)
    assert len(path.read_text().splitlines()) == 8
    # a name the checkpoint knows, with other settings: run afresh
    renamed = run_searches(
        {"local": RandomSearch()}, objective, budget=30, seeds=[0], n_jobs=1,
        checkpoint=path, progress=False,
    )  # fmt: skip
    assert np.array_equal(renamed[0].codes, first[0].codes)  # random's run, not local's
    assert len(path.read_text().splitlines()) == 9
    # runs made before naspredict shipped other zero-cost scores for the space: made again
    with monkeypatch.context() as patch:
        patch.setattr(_run, "bundled_scores_fingerprint", lambda space: "rebundled")
        run_searches(
            {"random": RandomSearch()}, objective, budget=30, seeds=[0], n_jobs=1,
            checkpoint=path, progress=False,
        )  # fmt: skip
    assert len(path.read_text().splitlines()) == 10


def test_parallel_equals_serial(objective):
    strategies = {"rea": RegularizedEvolution()}
    serial = run_searches(
        strategies, objective, budget=40, seeds=range(4), n_jobs=1, progress=False
    )
    parallel = run_searches(
        strategies, objective, budget=40, seeds=range(4), n_jobs=2, progress=False
    )
    assert [t.seed for t in parallel] == [0, 1, 2, 3]
    for a, b in zip(serial, parallel, strict=True):
        assert np.array_equal(a.codes, b.codes)


def test_summary_counts_runs_that_never_found_the_optimum(objective):
    runs = run_searches(
        {"random": RandomSearch()}, objective, budget=100, seeds=range(4), n_jobs=1,
        progress=False,
    )  # fmt: skip
    summary = summarize(runs, objective).iloc[0]
    assert summary["runs"] == 4 and 0 <= summary["found"] <= 1
    again = run_searches(
        {"random": RandomSearch()}, objective, budget=10, seeds=[0, 0, 1], n_jobs=1,
        progress=False,
    )  # fmt: skip
    assert [t.seed for t in again] == [0, 1]  # a seed given twice is one run
    assert summary["regret@50"] >= summary["regret@100"] >= 0
    assert "time_to_optimum_median" in summary


def test_runs_that_end_early_are_not_reported_as_beyond_the_budget(objective):
    space = objective.space
    arch = space.archs_from_codes(
        [int(np.flatnonzero(space.class_ids != objective.optimum_class)[0])]
    )[0]
    runs = [
        run_search(Repeating(arch=arch), objective, budget=10, seed=s, name="repeat", max_stale=3)
        for s in range(2)
    ]
    assert [(t.stopped, len(t), t.found_at) for t in runs] == [("stale", 1, None)] * 2
    assert runs[0].outcome()["queries"] == 1 and runs[0].outcome()["best_query"] is not None
    summary = summarize(runs, objective)
    assert summary.loc[0, "ended_early"] == 2
    text = markdown_table(summary)
    assert "| not found [not found, not found] | 0% (2 ended early) |" in text
    assert "> 10" not in text
    # a run that used its budget is known to need more than it
    full = run_search(RandomSearch(), objective, budget=10, seed=0)
    assert full.found_at is None and "| > 10 [> 10, > 10] | 0% |" in markdown_table(
        summarize([full], objective)
    )
    # the median of a run that found it after 4 queries and one that never did is no number
    found = dataclasses.replace(full, seed=1, found_at=4)
    median = summarize([found, full], objective).loc[0, "queries_to_optimum_median"]
    assert median == np.inf


def test_bad_budget_and_bad_parameters_fail_before_any_work(objective):
    with pytest.raises(NasPredictError, match="budget"):
        run_search(RandomSearch(), objective, budget=0)
    with pytest.raises(NasPredictError, match="a budget must be an integer of at least 1"):
        run_search(RandomSearch(), objective, budget=20.5)
    with pytest.raises(NasPredictError, match="a seed must be an integer of at least 0, got -1"):
        run_searches({"random": RandomSearch()}, objective, budget=5, seeds=[-1], n_jobs=1)
    with pytest.raises(NasPredictError, match="sample"):
        run_searches({"rea": RegularizedEvolution(sample=20)}, objective, budget=5, n_jobs=1)


@pytest.mark.parametrize("name", ["random", "rea", "local", "npenas", "tpe"])
def test_a_table_of_part_of_the_space_is_searched_within_its_cells(shared, name):
    full = load_table(shared / "nb201" / "nb201_cifar10-valid.csv")
    space = full.space
    kept = np.random.default_rng(0).choice(space.n_classes, 300, replace=False)
    part = BenchmarkTable(
        full.frame[np.isin(space.class_ids[space.codes(full.archs)], kept)], space="nb201"
    )
    objective = TableObjective(part, "valid_acc_200ep")
    assert objective.n_known == 300 and len(objective.cells) < len(space)
    run = run_search(make_strategy(name), objective, budget=40, seed=1)
    assert len(run.codes) == 40
    assert np.isin(space.class_ids[run.codes], kept).all()
    assert not np.isnan(run.query).any()
