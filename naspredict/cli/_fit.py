"""``naspredict fit`` and ``naspredict predict``: train a predictor, save it, use it."""

from __future__ import annotations

import argparse
import time

import numpy as np

from naspredict.benchmark_data import load_table
from naspredict.cli._options import (
    add_n_jobs_option,
    add_proxy_scores_option,
    add_table_options,
    check_proxy_scores,
    make_with_scores,
    non_negative_int,
    one_name,
    positive_float,
    positive_int,
    seed,
)
from naspredict.cli._output import (
    add_json_option,
    add_progress_option,
    directory_output_path,
    emit,
    format_rows,
)
from naspredict.errors import InvalidArchitectureError, InvalidOptionError
from naspredict.spaces import read_arch_file

DEFAULT_PREDICTOR = "default"
#: Significant digits of the predictions `predict` prints.
PREDICTION_DIGITS = 7
#: For the help text; the registry (imported on use, it loads the model libraries) decides.
PREDICTOR_NAMES = (
    "default, default-trees, default-trees+gnn, default-trees+3gnn, xgb, "
    "xgb-rank, rf, gp, mlp, linear, gin, flow, gnn, gin-pretrained, flow-pretrained"
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    fit = sub.add_parser("fit", help="fit a predictor on a table and save it")
    add_table_options(fit)
    fit.add_argument(
        "--predictor",
        type=one_name,
        default=DEFAULT_PREDICTOR,
        help=f"one of {PREDICTOR_NAMES}; NAME@ENCODING sets the encoding "
        f"(default {DEFAULT_PREDICTOR}: boosted trees, shallow on up to 500 training cells, "
        "and extremely randomised trees on structure and zero-cost features, with a Gaussian "
        "process where cross-validation finds it helps up to 1,000 training cells and a "
        "pre-trained GNN, three on more cells; each cell gets the mean prediction of the "
        "cells that build its network)",
    )
    add_proxy_scores_option(fit)
    fit.add_argument(
        "--train-size", type=positive_int, help="fit on this many random rows (default: all)"
    )
    fit.add_argument("--seed", type=seed, default=0, help="seed of the sample and the model")
    add_n_jobs_option(fit)
    fit.add_argument(
        "--tune",
        type=non_negative_int,
        default=0,
        metavar="TRIALS",
        help="tune hyper-parameters with optuna for this many trials (k-fold CV "
        "on the training rows only)",
    )
    fit.add_argument(
        "--tune-timeout", type=positive_float, metavar="SECONDS", help="time budget of --tune"
    )
    fit.add_argument(
        "--out",
        type=directory_output_path,
        required=True,
        help="directory to save the predictor in",
    )
    add_progress_option(fit)
    add_json_option(fit)
    fit.set_defaults(func=run_fit)

    predict = sub.add_parser("predict", help="predict architectures with a saved predictor")
    predict.add_argument("model", help="directory written by `naspredict fit`")
    predict.add_argument("archs", nargs="*", help="architecture strings")
    predict.add_argument(
        "--archs",
        dest="archs_file",
        metavar="FILE",
        help="file of architecture strings, one per line",
    )
    add_json_option(predict)
    predict.set_defaults(func=run_predict)


def run_fit(args: argparse.Namespace) -> None:
    from naspredict.evaluation import target_values
    from naspredict.predictors import check_save_directory, save_predictor, tune

    if args.predictor.startswith("zc:"):
        raise InvalidOptionError(
            f"{args.predictor} is a zero-cost proxy, with nothing to fit: score cells with "
            "`naspredict proxies`, or rank it beside trained predictors with `evaluate`"
        )
    if args.tune_timeout is not None and not args.tune:
        raise InvalidOptionError("--tune-timeout applies only with --tune TRIALS")
    check_save_directory(args.out)  # before the work, not after it
    table = load_table(args.table, dataset=args.dataset, format=args.format)
    y = target_values(table, args.target)
    rows = np.arange(len(table))
    if args.train_size is not None:
        if args.train_size > len(table):
            raise InvalidOptionError(
                f"--train-size must be at most {len(table)} (the table's rows)"
            )
        rows = np.random.default_rng(args.seed).permutation(len(table))[: args.train_size]
    archs = table.frame["arch"].iloc[rows].tolist()
    predictor = make_with_scores(args.predictor, table.space.name, args.proxy_scores, args.n_jobs)
    params = predictor.get_params()
    # a GNN reads the file only to pre-train on
    if args.proxy_scores and ("proxy_scores" not in params or params.get("pretrain_epochs") == 0):
        raise InvalidOptionError(
            f"--proxy-scores: {args.predictor} takes no zero-cost scores file (default and its "
            "variants, xgb, rf, gp, mlp, linear and the -pretrained GNNs do)"
        )
    check_proxy_scores(args.proxy_scores, table, args.target)
    if "random_state" in predictor.get_params():
        predictor.set_params(random_state=args.seed)
    if "verbose" in predictor.get_params() and not args.no_progress:
        predictor.set_params(verbose=True)  # the GNNs: a bar of the epochs
    start = time.perf_counter()
    if args.tune:
        predictor, _ = tune(
            predictor,
            archs,
            y[rows],
            n_trials=args.tune,
            timeout=args.tune_timeout,
            seed=args.seed,
            progress=not args.no_progress,
        )
    else:
        predictor.fit(archs, y[rows])
    seconds = time.perf_counter() - start
    if "verbose" in predictor.get_params():
        predictor.set_params(verbose=False)  # a display choice of this fit, not of the model
    info = {
        "predictor": args.predictor,
        "space": table.space.name,
        "table": str(args.table),
        "dataset": table.dataset,
        "target": args.target,
        "train_size": len(rows),
        "seed": args.seed,
        "fit_seconds": round(seconds, 3),
    }
    save_predictor(predictor, args.out, fit=info)
    emit(
        args,
        {**info, "out": str(args.out), "params": predictor.get_params(deep=False)},
        f"fitted {args.predictor} on {len(rows)} architectures of {table.space.name} "
        f"({table.dataset or '-'}, {args.target}) in {seconds:.1f} s; saved to {args.out}",
    )


def run_predict(args: argparse.Namespace) -> None:
    from naspredict.predictors import load_predictor, read_manifest

    archs = [arch.strip() for arch in args.archs]
    if args.archs_file:
        archs += read_arch_file(args.archs_file)
    if not archs:
        raise InvalidArchitectureError("give architecture strings, or --archs FILE")
    manifest = read_manifest(args.model)
    predictor = load_predictor(args.model)
    space = predictor.space_
    for i, arch in enumerate(archs):
        try:
            space.parse(arch)
        except InvalidArchitectureError as err:
            raise InvalidArchitectureError(f"architecture {i + 1}: {err}") from None
    values = predictor.predict(archs)
    target = manifest.get("fit", {}).get("target", "prediction")
    rows = [{"arch": a, target: float(v)} for a, v in zip(archs, values, strict=True)]
    # enough digits to tell close predictions apart: they are meant to be ranked
    text = format_rows(rows, digits=PREDICTION_DIGITS)
    if predictor.ranks_only:
        text += f"\n(scores that rank {target}: their order means something, not their scale)"
    result = {"model": str(args.model), "target": target, "ranks_only": predictor.ranks_only}
    emit(args, {**result, "predictions": rows}, text)
