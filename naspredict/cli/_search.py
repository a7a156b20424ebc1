"""``naspredict search``: search strategies simulated on a table, over many seeds."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from naspredict.benchmark_data import load_table, space_scores
from naspredict.cli._options import (
    add_table_options,
    is_training_result,
    n_jobs,
    name_list,
    one_name,
    positive_int,
    seed_count,
)
from naspredict.cli._output import add_progress_option, output_path, sibling
from naspredict.errors import InvalidOptionError
from naspredict.io import atomic_path, write_json

#: The zero-cost proxy zc-warmup ranks cells by unless --zc-proxy names another.
DEFAULT_ZC_PROXY = "synflow"


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "search",
        help="simulate search strategies on a table: queries and regret over many seeds",
    )
    add_table_options(parser, target=False)
    parser.add_argument(
        "--query", required=True, help="metric the strategies see, e.g. valid_acc_200ep"
    )
    parser.add_argument(
        "--report", help="metric the result is judged by, e.g. test_acc_200ep (default: --query)"
    )
    parser.add_argument(
        "--strategies",
        type=name_list,
        default=["random", "rea"],
        help="comma-separated strategies (random, rea, local, bananas, npenas, zc-warmup, tpe)",
    )
    parser.add_argument(
        "--budget",
        type=positive_int,
        default=300,
        help="isomorphism classes to query (default 300); a run ends early once it has "
        "queried every class the table has a value for",
    )
    parser.add_argument("--seeds", type=seed_count, default=10, help="number of seeds (0..N-1)")
    parser.add_argument(
        "--predictor",
        type=one_name,
        help="predictor of the predictor-guided strategies (NAME@ENCODING allowed; "
        "default: XGBoost, ranking objective, 200 trees)",
    )
    parser.add_argument(
        "--time-column",
        help="training-time column (e.g. time_elapsed) for NATS-style simulated time",
    )
    parser.add_argument(
        "--zc-scores",
        metavar="PATH",
        help="table of zero-cost scores, for zc-warmup (default: the scores naspredict ships)",
    )
    parser.add_argument(
        "--zc-proxy", help=f"column of --zc-scores to use (default {DEFAULT_ZC_PROXY})"
    )
    parser.add_argument(
        "--n-jobs", type=n_jobs, default=-1, help="worker processes (-1: all cores)"
    )
    parser.add_argument(
        "--full-runs",
        action="store_true",
        help="run every search to the budget; by default a run ends once it has queried the "
        "optimum, after which its incumbent, regret and queries-to-optimum cannot change",
    )
    add_progress_option(parser)
    parser.add_argument(
        "--json",
        type=output_path,
        metavar="PATH",
        help="write results to PATH, with a markdown table (.md) and a regret plot (.png) "
        "beside it; finished runs are kept in PATH.runs.jsonl so a killed run resumes",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    from naspredict.search import (
        TableObjective,
        make_strategy,
        markdown_table,
        plot_regret,
        run_searches,
        summarize,
        summary_records,
    )

    _check_strategy_options(args)  # before the table is read
    table = load_table(args.table, dataset=args.dataset, format=args.format)
    objective = TableObjective(table, args.query, args.report, time_column=args.time_column)
    # a run ends once every class is queried: a larger budget only pads the curves
    args.budget = min(args.budget, objective.n_known)
    strategies = {
        name: make_strategy(name, **_strategy_inputs(name, args, table)) for name in args.strategies
    }
    checkpoint = Path(f"{args.json}.runs.jsonl") if args.json else None
    runs = run_searches(
        strategies,
        objective,
        budget=args.budget,
        seeds=range(args.seeds),
        stop_at_optimum=not args.full_runs,
        n_jobs=args.n_jobs,
        checkpoint=checkpoint,
        progress=not args.no_progress,
    )
    summary = summarize(runs, objective)
    text = markdown_table(summary)
    print(text, end="")
    if args.json:
        path = Path(args.json)
        title = f"{table.space.name} {table.dataset or ''} {objective.report_name} regret"
        write_json(
            path,
            {
                "table": str(args.table),
                "dataset": table.dataset,
                **objective.describe(),
                "budget": args.budget,
                "seeds": args.seeds,
                "predictor": args.predictor,
                "stop_at_optimum": not args.full_runs,
                "summary": summary_records(summary),
                "runs": [run.outcome() for run in runs],
                "checkpoint": str(checkpoint),
            },
        )
        with atomic_path(sibling(path, ".md")) as tmp:
            tmp.write_text(f"# {title}\n\n{text}")
        plot_regret(runs, objective, sibling(path, ".png"), title)


def _check_strategy_options(args: argparse.Namespace) -> None:
    """Refuse unknown strategies, and options that no strategy asked for reads."""
    from naspredict.search import STRATEGIES

    accepted = {p for name in args.strategies for p in STRATEGIES.get(name)._get_param_names()}
    for option, given, param in [
        ("--predictor", args.predictor is not None, "predictor"),
        ("--zc-scores", args.zc_scores is not None, "scorer"),
        ("--zc-proxy", args.zc_proxy is not None, "scorer"),
    ]:
        if given and param not in accepted:
            users = [n for n in STRATEGIES.names() if param in STRATEGIES.get(n)._get_param_names()]
            raise InvalidOptionError(
                f"{option} applies only to {', '.join(users)}; --strategies has none of them"
            )


def _strategy_inputs(name: str, args: argparse.Namespace, table: Any) -> dict[str, Any]:
    """The predictor or scorer the strategy ``name`` takes, from the options."""
    from naspredict.predictors import make_predictor
    from naspredict.search import STRATEGIES, column_scorer

    accepted = STRATEGIES.get(name)._get_param_names()
    inputs: dict[str, Any] = {}
    if "predictor" in accepted and args.predictor:
        predictor = make_predictor(args.predictor, space=table.space.name)
        if "n_jobs" in predictor.get_params():
            predictor.set_params(n_jobs=1)  # seeds run in parallel processes
        inputs["predictor"] = predictor
    if "scorer" in accepted:
        column = args.zc_proxy or DEFAULT_ZC_PROXY
        if is_training_result(column, table, args.query, args.report):
            # the warm-up would rank cells by the answer it is meant to find
            raise InvalidOptionError(
                f"--zc-proxy {column} is a training result of the table, not a zero-cost score"
            )
        scores = space_scores(table.space, args.zc_scores)  # None: the scores naspredict ships
        inputs["scorer"] = column_scorer(scores, column)
    return inputs
