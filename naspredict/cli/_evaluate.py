"""``naspredict evaluate``: predictors under a published protocol, over sizes and seeds."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import pandas as pd

from naspredict.benchmark_data import BenchmarkTable, load_table, space_scores
from naspredict.cli._options import (
    add_n_jobs_option,
    add_protocol_options,
    add_proxy_scores_option,
    add_table_options,
    check_proxy_scores,
    make_with_scores,
    predictor_list,
)
from naspredict.cli._output import add_progress_option, output_path, sibling
from naspredict.errors import MissingColumnError, MissingScoresError, UnscoredCellsWarning
from naspredict.io import atomic_path, write_json
from naspredict.spaces import SearchSpace


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "evaluate", help="evaluate predictors under a protocol over training sizes and seeds"
    )
    add_table_options(parser)
    parser.add_argument(
        "--predictors",
        type=predictor_list,
        default=["xgb"],
        help="comma-separated predictor names (NAME@ENCODING allowed; 'default' is what "
        "`naspredict fit` uses)",
    )
    add_protocol_options(parser)
    add_proxy_scores_option(parser)
    add_n_jobs_option(parser)
    add_progress_option(parser)
    parser.add_argument(
        "--json",
        type=output_path,
        metavar="PATH",
        help="write results to PATH, with a markdown table (.md) and a plot (.png) beside it; "
        "finished runs are kept in PATH.runs.jsonl so a killed run resumes",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    from naspredict.evaluation import (
        PROTOCOLS,
        evaluate,
        markdown_table,
        plot_kendall_tau,
        summarize,
    )
    from naspredict.predictors import make_predictor

    PROTOCOLS.get(args.protocol)
    table = load_table(args.table, dataset=args.dataset, format=args.format)
    check_proxy_scores(args.proxy_scores, table, args.target)
    proxies = [name for name in args.predictors if name.startswith("zc:")]
    scores = _proxy_scores(args.proxy_scores, table.space) if proxies else None
    recorded = _recorded_scoring(args.proxy_scores) if proxies else None
    if proxies:
        where = args.proxy_scores or "the scores naspredict ships"
        if not _check_proxies(proxies, scores, table, where, recorded):
            recorded = None  # nothing to score here: no images needed
    predictors = {
        name: make_predictor(
            name, space=table.space.name, scores=scores, **_scoring_params(recorded, name)
        )
        if name.startswith("zc:")
        else make_with_scores(name, table.space.name, args.proxy_scores, args.n_jobs)
        for name in args.predictors
    }
    checkpoint = Path(f"{args.json}.runs.jsonl") if args.json else None
    # _check_proxies has said how many cells the zc: predictors score: not again every run
    warnings.simplefilter("ignore", UnscoredCellsWarning)
    results = evaluate(
        table,
        args.target,
        predictors,
        protocol=args.protocol,
        train_sizes=args.train_sizes,
        seeds=range(args.seeds),
        checkpoint=checkpoint,
        progress=not args.no_progress,
    )
    summary = summarize(results)
    text = markdown_table(summary)
    print(text, end="")
    if args.json:
        path = Path(args.json)
        title = f"{table.space.name} {table.dataset or ''} {args.target}, {args.protocol}"
        write_json(
            path,
            {
                "table": str(args.table),
                "space": table.space.name,
                "dataset": table.dataset,
                "target": args.target,
                "protocol": args.protocol,
                "summary": summary.to_dict(orient="records"),
                "runs": results.to_dict(orient="records"),
            },
        )
        with atomic_path(sibling(path, ".md")) as tmp:
            tmp.write_text(f"# {title}\n\n{text}")
        plot_kendall_tau(summary, sibling(path, ".png"), title)


def _recorded_scoring(path: str | None) -> dict | None:
    """How the cells of a ``naspredict proxies`` file were scored (None for other tables)."""
    if path is None or Path(path).suffix.lower() != ".parquet":
        return None
    from naspredict.predictors.zero_cost import read_scores

    return read_scores(path)[1]


def _scoring_params(recorded: dict | None, name: str) -> dict:
    """ZeroCostPredictor parameters that score a cell as ``recorded`` scored the file's
    (``name``: ``zc:PROXY`` as --predictors spells it, the name the file records)."""
    config = (recorded or {}).get("proxies", {}).get(name.removeprefix("zc:"))
    if config is None:
        return {}
    return {
        "data": recorded["data"],
        "resolution": recorded["resolution"],
        "num_classes": recorded["num_classes"],
        "task": recorded.get("task"),
        "seed": config["seed"],
        "batch_size": config["batch_size"],
    }


def _check_proxies(
    names: list[str],
    scores: pd.DataFrame,
    table: BenchmarkTable,
    where: str,
    recorded: dict | None,
) -> int:
    """Refuse a ``zc:PROXY`` the scores lack; warn of the cells the proxies will score here,
    and return their number."""
    from naspredict.predictors.zero_cost import get_proxy

    for name in names:
        proxy = get_proxy(name.removeprefix("zc:")).name
        if proxy not in scores.columns:
            raise MissingColumnError(
                f"{name}: no {proxy!r} scores in {where}; score the cells with `naspredict "
                "proxies` and give the file as --proxy-scores"
            )
    missing = len(set(table.archs) - set(scores["arch"]))
    if missing and recorded:
        _check_images(recorded, where, missing)
    if missing:
        how = (
            f"as {where} was ({recorded['data']} images)"
            if recorded
            else "with each proxy's default configuration"
        )
        print(
            f"naspredict: warning: {', '.join(names)}: {missing} of the table's cells have no "
            f"score in {where}; they are scored here, {how}",
            file=sys.stderr,
        )
    return missing


def _check_images(recorded: dict, where: str, missing: int) -> None:
    """MissingScoresError unless the images ``recorded`` scored the file with are here: the
    ``missing`` cells must be scored on them."""
    from naspredict.data import DATA_FINGERPRINT, load_images

    data = recorded["data"]
    advice = f"score them into it first (`naspredict proxies ... --out {where}`)"
    if data not in ("fashion-mnist", "gaussian"):
        raise MissingScoresError(
            f"{where} lacks {missing} of the table's cells, and its {data} images are not at "
            f"hand here to score them: {advice}"
        )
    expected = recorded.get(DATA_FINGERPRINT)
    images = load_images(data)
    if expected and images is not None and images.fingerprint != expected:
        raise MissingScoresError(
            f"{where} lacks {missing} of the table's cells, and was scored on other {data} "
            f"images than these: {advice}"
        )


def _proxy_scores(path: str | None, space: SearchSpace) -> pd.DataFrame:
    """Every architecture of ``space`` that the scores file (None: the bundled scores)
    covers, up to the network a cell builds or its isomorphism class."""
    scores = space_scores(space, path)
    archs = space.all_archs()
    rows = scores.rows(archs, by_network=True, missing="ignore")
    frame = scores.frame.iloc[rows[rows >= 0]].reset_index(drop=True)
    frame["arch"] = [a for a, r in zip(archs, rows, strict=True) if r >= 0]
    return frame
