"""``naspredict compare``: trained predictors against zero-cost proxies over training sizes."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from naspredict.benchmark_data import (
    bundled_scores_path,
    load_table,
    score_columns,
    space_scores,
)
from naspredict.cli._options import (
    add_n_jobs_option,
    add_protocol_options,
    add_proxy_scores_option,
    add_table_options,
    check_proxy_scores,
    make_with_scores,
    name_list,
    predictor_list,
)
from naspredict.cli._output import add_progress_option, output_path, sibling
from naspredict.errors import InvalidOptionError
from naspredict.io import atomic_path, write_json

#: Columns of the report: ranking quality only (a proxy's scale is not the target's).
COMPARE_METRICS = ("kendall_tau", "spearman", "precision_top1%", "precision_top5%")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "compare",
        help="trained predictors against each zero-cost proxy, over training sizes",
        description="Fit predictors on growing training sets and score each zero-cost proxy "
        "on the same test sets; report the training size from which each predictor ranks "
        "the test set better than each proxy.",
    )
    add_table_options(parser)
    parser.add_argument(
        "--predictors",
        type=predictor_list,
        default=["default"],
        help="comma-separated trained predictors (default: default)",
    )
    parser.add_argument(
        "--proxies",
        type=name_list,
        help="comma-separated proxy columns of the scores (default: all of them)",
    )
    add_proxy_scores_option(parser)
    add_protocol_options(parser)
    add_n_jobs_option(parser)
    add_progress_option(parser)
    parser.add_argument(
        "--json",
        type=output_path,
        metavar="PATH",
        help="write results to PATH, with a markdown report (.md), Kendall tau against "
        "training size (.png) and predicted against true (.scatter.png) beside it; finished "
        "runs are kept in PATH.runs.jsonl so a killed run resumes",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    from naspredict.evaluation import (
        PROTOCOLS,
        PROXY_PREFIX,
        NoNoiseEstimateError,
        compare,
        crossover_markdown,
        crossovers,
        markdown_table,
        plot_kendall_tau,
        plot_predicted_vs_true,
        predicted_and_true,
        protocol_noise_ceiling,
        summarize,
    )

    proxy_names = [name for name in args.predictors if name.casefold().startswith(PROXY_PREFIX)]
    if proxy_names:
        raise InvalidOptionError(
            f"--predictors {proxy_names[0]}: compare takes zero-cost proxies with --proxies "
            f"({proxy_names[0][len(PROXY_PREFIX) :]}); --predictors are trained ones"
        )
    split_of = PROTOCOLS.get(args.protocol)
    table = load_table(args.table, dataset=args.dataset, format=args.format)
    check_proxy_scores(args.proxy_scores, table, args.target)
    scores = space_scores(table.space, args.proxy_scores)
    proxies = args.proxies or score_columns(scores)
    predictors = {
        name: make_with_scores(name, table.space.name, args.proxy_scores, args.n_jobs)
        for name in args.predictors
    }
    for size in args.train_sizes:  # a bad size fails before any work
        split_of(table, size, 0)
    checkpoint = Path(f"{args.json}.runs.jsonl") if args.json else None
    runs = compare(
        table,
        args.target,
        predictors,
        scores,
        proxies,
        protocol=args.protocol,
        train_sizes=args.train_sizes,
        seeds=range(args.seeds),
        checkpoint=checkpoint,
        progress=not args.no_progress,
    )
    summary = summarize(runs)
    crossings = crossovers(summary)
    title = f"{table.space.name} {table.dataset or ''} {args.target}, {args.protocol}"
    text = (
        f"{markdown_table(summary, COMPARE_METRICS)}\nOvertakes at (proxy's mean Kendall tau):\n\n"
        f"{crossover_markdown(crossings)}"
    )
    text += _coverage(runs)
    try:  # the test sets of the smallest training size, one per seed
        ceiling = protocol_noise_ceiling(
            table, args.target, args.protocol, min(args.train_sizes), range(args.seeds)
        )
    except NoNoiseEstimateError:
        ceiling = None
    else:
        text += (
            f"\nNoise ceiling: {ceiling:.3f} (the Kendall tau of a perfect predictor of each "
            "network's mean, given the training noise between copies of one network)\n"
        )
    print(text, end="")
    if not args.json:
        return
    path = Path(args.json)
    write_json(
        path,
        {
            "table": str(args.table),
            "space": table.space.name,
            "dataset": table.dataset,
            "target": args.target,
            "protocol": args.protocol,
            "proxy_scores": str(args.proxy_scores or bundled_scores_path(table.space)),
            "summary": summary.to_dict(orient="records"),
            "overtakes": crossings.to_dict(orient="records"),
            "noise_ceiling": ceiling,
            "runs": runs.to_dict(orient="records"),
        },
    )
    with atomic_path(sibling(path, ".md")) as tmp:
        tmp.write_text(f"# {title}\n\n{text}")
    plot_kendall_tau(summary, sibling(path, ".png"), title, references=PROXY_PREFIX)
    largest = max(args.train_sizes)
    points = {
        f"{name}, n={largest}": predicted_and_true(
            table,
            args.target,
            model,
            protocol=args.protocol,
            train_size=largest,
            seed=0,
        )
        for name, model in predictors.items()
    }
    plot_predicted_vs_true(points, sibling(path, ".scatter.png"), title)


def _coverage(runs: pd.DataFrame) -> str:
    """A line per proxy whose scores lack some test cells: its tau is on the others only."""
    proxies = runs[runs["kind"] == "proxy"]
    partial = proxies[proxies["test_cells"] < proxies["test_size"]]
    lines = [
        f"{name}: scores for {group['test_cells'].mean():.0f} of "
        f"{group['test_size'].mean():.0f} test cells (mean over runs); its metrics are on "
        "those cells only"
        for name, group in partial.groupby("predictor", sort=False)
    ]
    return "".join(f"\n{line}\n" for line in lines)
