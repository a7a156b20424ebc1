"""Search strategies simulated on NB201 cifar10-valid, cifar100 and TNB101 micro class_scene.

Writes ``benchmarks/results/search.json``, ``search.md`` and ``search.png``:
queries until the optimum (by the query metric) is found, mean test regret with a 95 %
interval against queries, regret at 50 / 100 / 200 queries, and wall-clock timings.

    python benchmarks/search.py                   # 100 seeds, budget 300 (tens of minutes)
    python benchmarks/search.py --tables tnb101-micro-class_scene --no-timing
                                                  # one table; the others' results are kept
    python benchmarks/search.py --only rea --no-timing   # one strategy; likewise

Runs end once they have queried the optimum (``stop_at_optimum``): the incumbent cannot
change after that, so every reported number is that of a full run. The timing section runs
full budgets. Finished runs are kept in ``--checkpoints`` so a killed benchmark resumes.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from naspredict.benchmark_data import load_table
from naspredict.io import atomic_path, write_json
from naspredict.predictors import make_predictor
from naspredict.search import (
    NPENAS,
    TPE,
    Bananas,
    LocalSearch,
    RandomSearch,
    RegularizedEvolution,
    TableObjective,
    ZeroCostEvolution,
    column_scorer,
    draw_regret,
    markdown_table,
    regret_curves,
    run_searches,
    summarize,
    summary_records,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NASPREDICT_SHARED", ROOT.parent / "shared" / "benchmarks"))
RESULTS = ROOT / "benchmarks" / "results"

#: key -> (file, query metric, report metric, zero-cost file or None)
TABLES = {
    "nb201-cifar10-valid": (
        "nb201/nb201_cifar10-valid.csv", "valid_acc_200ep", "test_acc_200ep",
        "nb201/nb201_zero_cost_cifar10.csv",
    ),
    "nb201-cifar100": (
        "nb201/nb201_cifar100.csv", "valid_acc_200ep", "test_acc_200ep",
        "nb201/nb201_zero_cost_cifar10.csv",
    ),
    "tnb101-micro-class_scene": (
        "tnb101/tnb101_micro_class_scene.csv", "valid_final", "test_top1", None,
    ),
}  # fmt: skip
#: NATS-style simulated training time, where the table has it
TIME_COLUMNS = {"tnb101-micro-class_scene": "time_elapsed"}
ZC_PROXY = "synflow"


def strategies(zc_path: Path | None, space: str) -> dict:
    out = {
        "random": RandomSearch(),
        "rea": RegularizedEvolution(),
        "local": LocalSearch(),
        "tpe": TPE(),
        "npenas": NPENAS(),
        "bananas": Bananas(),
        # closer to the papers: the neighbours of the 2 best cells, 10 queries per iteration
        "npenas-mutation": NPENAS(pool="mutation", n_parents=2, n_random=0, k=10),
        "bananas-mlp": Bananas(
            predictor=make_predictor("mlp", space=space), n_parents=2, n_random=0, k=10
        ),
    }
    if zc_path is not None:
        out["zc-warmup"] = ZeroCostEvolution(scorer=column_scorer(load_table(zc_path), ZC_PROXY))
    return out


def run_table(key: str, args: argparse.Namespace) -> tuple[dict, list]:
    path, query, report, zc = TABLES[key]
    table = load_table(SHARED / path)
    objective = TableObjective(table, query, report, time_column=TIME_COLUMNS.get(key))
    found = strategies(SHARED / zc if zc else None, table.space.name)
    if args.only:
        found = {k: v for k, v in found.items() if k in args.only}
    runs, seconds = [], {}
    for name, strategy in found.items():
        n_seeds = args.slow_seeds if name == "bananas" and args.slow_seeds else args.seeds
        start = time.perf_counter()
        runs += run_searches(
            {name: strategy},
            objective,
            budget=args.budget,
            seeds=range(n_seeds),
            stop_at_optimum=True,
            n_jobs=args.n_jobs,
            checkpoint=Path(args.checkpoints) / f"search.{key}.runs.jsonl",
        )
        seconds[name] = time.perf_counter() - start
        logging.info("%s %s: %.0f s", key, name, seconds[name])
    summary = summarize(runs, objective)
    curves = regret_curves(runs, objective)
    result = {
        "table": path,
        **objective.describe(),
        "zero_cost_scores": None if zc is None else f"{zc} ({ZC_PROXY})",
        "summary": summary_records(summary),
        # wall time of this invocation: 0 for strategies resumed from the checkpoints
        "wall_seconds_this_invocation": seconds,
        "run_seconds_total": {
            name: float(sum(t.seconds for t in runs if t.strategy == name)) for name in found
        },
        "regret_curves": {
            name: {c: [round(float(v), 5) for v in curve[c]] for c in ("mean", "low", "high")}
            for name, curve in curves.items()
        },
    }
    return result, runs


def timings(args: argparse.Namespace) -> dict:
    """Full-budget runs (no early stop), 100 seeds: random search, XGBoost-guided NPENAS,
    and a GNN-guided NPENAS measured on a few seeds and extrapolated."""
    path, query, report, _ = TABLES["nb201-cifar10-valid"]
    objective = TableObjective(load_table(SHARED / path), query, report)
    out = {}
    for name, strategy, seeds in (
        ("random", RandomSearch(), 100),
        ("npenas (xgb)", NPENAS(), args.timing_seeds),
    ):
        start = time.perf_counter()
        run_searches({name: strategy}, objective, budget=300, seeds=range(seeds),
                     n_jobs=args.n_jobs, progress=False)  # fmt: skip
        wall = time.perf_counter() - start
        out[name] = {"seeds": seeds, "wall_seconds": wall, "per_100_seeds": wall * 100 / seeds}
    if args.gnn_seeds:
        from naspredict.predictors import make_predictor

        # refits continue from the last weights (warm start) for a few epochs, and the
        # candidates are mutations of the best cells: the GNN never scores the whole space
        gin = make_predictor(
            "gin", space="nb201", epochs=args.gnn_epochs, warm_start=True, val_fraction=0.0
        )
        strategy = NPENAS(predictor=gin, k=10, pool="mutation")
        start = time.perf_counter()
        runs = run_searches({"npenas (gin)": strategy}, objective, budget=300,
                            seeds=range(args.gnn_seeds), n_jobs=args.n_jobs, progress=False,
                            stop_at_optimum=False)  # fmt: skip
        wall = time.perf_counter() - start
        found = summarize(runs, objective).iloc[0]
        out["npenas (gin, k=10)"] = {
            "seeds": args.gnn_seeds,
            "epochs": args.gnn_epochs,
            "wall_seconds": wall,
            "per_100_seeds": wall * 100 / args.gnn_seeds,
            "queries_to_optimum_median": float(found["queries_to_optimum_median"]),
        }
    return out


TARGETS = """\
| target | measured |
|---|---|
| best predictor-guided median queries to the optimum <= 60 on NB201 cifar10-valid | {c10} |
| ... and on NB201 cifar100 | {c100} |
| ... at least 2x fewer than regularised evolution in the same run | {ratio} |
| mean test regret <= 0.1 pp after 100 queries on NB201 cifar10-valid | {regret} |
| 100 seeds x 300 queries of random search in seconds | {random_s} |
| 100 seeds x 300 queries of a GNN-guided strategy in minutes | {gnn_s} |
"""


GUIDED = ("npenas", "bananas")


def best_guided(result: dict) -> dict:
    guided = [r for r in result["summary"] if r["strategy"] in GUIDED]
    return min(guided, key=lambda r: _q(r["queries_to_optimum_median"]))


def _has_targets(result: dict | None) -> bool:
    """Whether ``result`` holds the strategies the targets compare: rea and a guided one."""
    names = set() if result is None else {r["strategy"] for r in result["summary"]}
    return "rea" in names and bool(names & set(GUIDED))


def _q(value: float | None) -> float:
    """A quantile of queries to the optimum; None (never found) is infinite."""
    return np.inf if value is None else value


def report(results: dict, timing: dict, args: argparse.Namespace) -> str:
    lines = [
        "# Search strategies simulated on benchmark tables",
        "",
        f"Budget {args.budget} queries; {args.seeds} seeds"
        + (f" ({args.slow_seeds} for bananas)" if args.slow_seeds else "")
        + "; `python benchmarks/search.py` (every table and strategy), last written by "
        + f"`{' '.join(['python', 'benchmarks/search.py', *sys.argv[1:]])}`; "
        + f"{os.cpu_count()} CPU cores ({platform.machine()}),"
        " shared with other jobs. Queries count distinct isomorphism classes. Regret: best"
        " report value of the table minus the report value of the best-by-query cell found,"
        " in percentage points, mean ± 95 % half-interval. Queries to the optimum: the"
        " class with the best query value; `> budget` where fewer than that quantile of runs"
        " found it (`not found` where some run ended early, its strategy proposing no new"
        " cell). Runs stop once they query the optimum (their curves are unchanged).",
        "",
        "Predictor-guided: `npenas` (XGBoost, pairwise ranking objective, 200 trees, refitted"
        " on every queried cell each iteration; 10 random cells, then the 5 best-predicted"
        " unqueried cells of the whole space per iteration) and `bananas` (same predictor,"
        " 5 bootstrap members, Thompson sampling over the neighbours of the 10 best cells plus"
        " 100 random cells). Closer to the papers: `npenas-mutation` (the same predictor"
        " over the neighbours of the 2 best cells, 10 per iteration) and `bananas-mlp`"
        " (BANANAS' ensemble of 5 MLPs on the path encoding, Thompson sampling over the"
        " neighbours of the 2 best cells, 10 per iteration; the papers draw 100 random"
        " mutations instead). `zc-warmup` uses no trained predictor: regularised evolution"
        " seeded with the 10 best synflow-scored of 1000 random cells, children chosen by"
        " synflow (the published CIFAR-10 scores, also used for cifar100). `s / run`: mean"
        " wall seconds of a run (to the optimum or the budget), while two runs share the two"
        " cores.",
        "",
    ]
    c10, c100 = results.get("nb201-cifar10-valid"), results.get("nb201-cifar100")
    if _has_targets(c10) and _has_targets(c100):
        b10, b100 = best_guided(c10), best_guided(c100)
        rea = {k: next(r for r in results[k]["summary"] if r["strategy"] == "rea") for k in
               ("nb201-cifar10-valid", "nb201-cifar100")}  # fmt: skip
        # a median beyond the budget is at least the budget + 1: the ratio is a lower bound
        ratios = [
            (
                f"> {(rea[k]['budget'] + 1) / guided:.1f}x"
                if np.isinf(_q(rea[k]["queries_to_optimum_median"]))
                else f"{_q(rea[k]['queries_to_optimum_median']) / guided:.1f}x"
            )
            for k in rea
            for guided in [_q(best_guided(results[k])["queries_to_optimum_median"])]
        ]
        regret100 = min(r["regret@100"] for r in c10["summary"])
        floor = c10["regret_floor"]
        lines += [
            "## Targets",
            "",
            TARGETS.format(
                c10=f"{b10['strategy']}: {_q(b10['queries_to_optimum_median']):.0f}",
                c100=f"{b100['strategy']}: {_q(b100['queries_to_optimum_median']):.0f}",
                ratio=" / ".join(ratios) + " (cifar10-valid / cifar100)",
                regret=f"best {regret100:.3f} pp: unreachable as defined, the optimum by "
                f"validation accuracy has a test regret of {floor:.3f} pp (see below)",
                random_s=f"{timing['random']['wall_seconds']:.1f} s" if timing else "not run",
                gnn_s=_gnn(timing),
            ),
        ]
    for key, result in results.items():
        lines += [
            f"## {key}: query `{result['query']}`, report `{result['report']}`",
            "",
            f"{result['classes']} isomorphism classes; optimum {result['query']} "
            f"{result['optimum_query']:.4f}; best {result['report']} {result['best_report']:.4f}; "
            f"{result['report']} of the optimum {result['report_of_optimum']:.4f}, so no search "
            f"that finds the optimum ends below a regret of {result['regret_floor']:.3f}."
            + (
                f" zc-warmup scores: {result['zero_cost_scores']}."
                if result["zero_cost_scores"]
                else " No zero-cost scores for this table: zc-warmup not run."
            ),
            "",
            markdown_table(_frame(result["summary"])),
        ]
    if timing:
        lines += [
            "## Timings: full budget, no early stop, NB201 cifar10-valid",
            "",
            "| strategy | seeds run | wall s | s per 100 seeds |",
            "|---|---|---|---|",
        ]
        for name, t in timing.items():
            lines.append(
                f"| {name} | {t['seeds']} | {t['wall_seconds']:.1f} | {t['per_100_seeds']:.1f} |"
            )
        lines.append("")
    return "\n".join(lines)


def _gnn(timing: dict) -> str:
    t = timing.get("npenas (gin, k=10)") if timing else None
    if t is None:
        return "not run"
    return (
        f"npenas + GIN (warm-started refits of {t['epochs']} epochs, k=10, mutation pool): "
        f"{t['per_100_seeds'] / 60:.1f} min (extrapolated from {t['seeds']} seeds; median "
        f"{t['queries_to_optimum_median']:.0f} queries to the optimum)"
    )


def _frame(rows: list[dict]):
    import pandas as pd

    frame = pd.DataFrame(rows)
    # summaries from before runs that ended early were counted
    early = frame.get("ended_early", pd.Series(0, index=frame.index))
    frame["ended_early"] = early.fillna(0).astype(int)
    never = [c for c in frame.columns if "to_optimum" in c]
    frame[never] = frame[never].astype(float).fillna(np.inf)
    return frame


def plot(results: dict, all_runs: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(5.2 * len(results), 4.2), squeeze=False)
    for ax, (key, result) in zip(axes[0], results.items(), strict=True):
        curves = result["regret_curves"]
        draw_regret(ax, curves, result["regret_floor"], f"{result['report']} (pp)", key)
    axes[0][0].legend(fontsize="small")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)


def _earlier(path: Path, args: argparse.Namespace) -> tuple[dict, dict]:
    """The tables and timings of an earlier run with the same budget and seeds, which a run
    of some tables (or with ``--no-timing``) keeps beside its own."""
    if not path.is_file():
        return {}, {}
    earlier = json.loads(path.read_text())
    same = (earlier["budget"], earlier["seeds"], earlier["slow_seeds"]) == (
        args.budget,
        args.seeds,
        args.slow_seeds or args.seeds,
    )
    return (earlier["tables"], earlier["timings"]) if same else ({}, {})


def _with_others(result: dict, earlier: dict | None) -> dict:
    """``result`` of the strategies of ``--only``, beside the earlier results of the others
    on the same table (in their earlier order)."""
    if earlier is None:
        return result
    mine = {row["strategy"] for row in result["summary"]}
    rows = {row["strategy"]: row for row in earlier["summary"] if row["strategy"] not in mine}
    rows.update({row["strategy"]: row for row in result["summary"]})
    order = [row["strategy"] for row in earlier["summary"]]
    order += [name for name in rows if name not in order]
    merged = {**result, "summary": [rows[name] for name in order]}
    for key in ("run_seconds_total", "regret_curves", "wall_seconds_this_invocation"):
        others = {k: v for k, v in earlier.get(key, {}).items() if k not in mine}
        merged[key] = {name: {**others, **result[key]}.get(name) for name in order}
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--slow-seeds", type=int, default=0, help="seeds for bananas (0: --seeds)")
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--only", default="", help="comma-separated strategies to run")
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--timing-seeds", type=int, default=20, help="seeds of the npenas timing")
    parser.add_argument(
        "--gnn-seeds", type=int, default=0, help="seeds of the GNN timing (0: skip)"
    )
    parser.add_argument("--gnn-epochs", type=int, default=10, help="epochs per GNN refit")
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--checkpoints", default="/tmp/naspredict-search-checkpoints")
    parser.add_argument("--out", default=str(RESULTS / "search"))
    args = parser.parse_args()
    args.only = [s for s in args.only.split(",") if s]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    out = Path(args.out)
    results, timing = _earlier(out.with_suffix(".json"), args)
    all_runs = {}
    for key in args.tables.split(","):
        result, all_runs[key] = run_table(key, args)
        results[key] = _with_others(result, results.get(key)) if args.only else result
    if not args.no_timing:
        timing = timings(args)
    text = report(results, timing, args)  # before any file: a report that fails writes none
    write_json(out.with_suffix(".json"), {
        "budget": args.budget, "seeds": args.seeds, "slow_seeds": args.slow_seeds or args.seeds,
        "cpu_count": os.cpu_count(), "stop_at_optimum": True,
        "tables": results, "timings": timing,
    })  # fmt: skip
    with atomic_path(out.with_suffix(".md")) as tmp:
        tmp.write_text(text)
    plot(results, all_runs, out.with_suffix(".png"))


if __name__ == "__main__":
    main()
