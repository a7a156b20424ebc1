"""Predictor quality on the published protocols, beside the published numbers.

    python benchmarks/predictors.py                 # the whole benchmark
    python benchmarks/predictors.py --quick         # 2 seeds, two sizes: a smoke run

Writes ``benchmarks/results/predictors.json`` and ``predictors.md``. Finished runs are kept in
``benchmarks/results/predictors.runs/``, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import pandas as pd
import torch

from naspredict.benchmark_data import load_table
from naspredict.evaluation import evaluate, finished_runs, mean_std, summarize
from naspredict.io import atomic_path, write_json
from naspredict.predictors import make_predictor

ROOT = Path(__file__).resolve().parent
SHARED = ROOT.parent.parent / "shared" / "benchmarks"
RESULTS = ROOT / "results"
RUNS = RESULTS / "predictors.runs"

NB201_SIZES = [78, 390, 781, 3906]
TNB101_SIZES = [100, 400]
TASKS = ["class_object", "class_scene", "jigsaw", "segmentsemantic", "autoencoder"]
PREDICTORS = ["xgb@onehot", "xgb", "rf", "mlp"]
#: GNNs take minutes per fit on this 2-core CPU at thousands of cells: fewer sizes and seeds.
TORCH_PREDICTORS = ["flow", "gin", "flow-pretrained", "gin-pretrained"]
GNN_PREDICTORS = [*TORCH_PREDICTORS, "default-trees", "default-trees+gnn", "default"]
GNN_SIZES, GNN_SEEDS = [78, 781], 3
#: TransNAS-Bench-101 has ten settings: the fast tree models; the default predictor, and its
#: trees alone with and without a GNN share, at 400 cells only.
TNB101_PREDICTORS = ["xgb@onehot", "xgb", "rf"]
TNB101_DEFAULTS = ["default-trees", "default-trees+gnn", "default"]
TNB101_DEFAULT_SIZES = [400]

#: Published Kendall tau, (method, protocol, train size) -> value.
PUBLISHED = {
    "nb201/cifar10-valid": {
        ("FlowerFormer", 78): 0.790,
        ("FlowerFormer", 3906): 0.929,
        ("PINAT (tnasp)", 78): 0.549,
    },
}
#: NAS-Bench-Suite-Zero: XGBoost on zero-cost proxies alone, 400 training cells (naslib).
ZC_XGB_AT_400 = {
    "micro": dict(zip(TASKS, [0.652, 0.697, 0.622, 0.753, 0.632], strict=True)),
    "macro": dict(zip(TASKS, [0.669, 0.751, 0.580, 0.734, 0.747], strict=True)),
}


def settings(quick: bool) -> list[dict]:
    """Every (table, target, protocol, sizes) of the benchmark."""
    nb201_sizes = [78, 781] if quick else NB201_SIZES
    tnb_sizes = [100, 400] if quick else TNB101_SIZES
    out = []
    for d in ("cifar10-valid", "cifar100"):
        common = {
            "name": f"nb201/{d}",
            "path": SHARED / "nb201" / f"nb201_{d}.csv",
            "target": "valid_acc_200ep",
            "protocol": "gates",
        }
        out.append({**common, "sizes": nb201_sizes, "predictors": PREDICTORS})
        out.append({**common, "sizes": GNN_SIZES, "predictors": GNN_PREDICTORS, "seeds": GNN_SEEDS})
    for space in ("micro", "macro"):
        for task in TASKS:
            common = {
                "name": f"tnb101-{space}/{task}",
                "path": SHARED / "tnb101" / f"tnb101_{space}_{task}.csv",
                "target": "valid_final",
                "protocol": "naslib",
            }
            out.append({**common, "sizes": tnb_sizes, "predictors": TNB101_PREDICTORS})
            defaults = {"sizes": TNB101_DEFAULT_SIZES, "predictors": TNB101_DEFAULTS}
            out.append({**common, **defaults})
    return out


def run(args: argparse.Namespace) -> None:
    """Evaluate the selected settings; after each, rewrite the results from every finished
    run, so a run of some settings keeps the others' results."""
    seeds = range(2 if args.quick else args.seeds)
    RUNS.mkdir(parents=True, exist_ok=True)
    for setting in settings(args.quick):
        if not _selected(setting, args):
            continue
        table = load_table(setting["path"])
        predictors = {
            name: make_predictor(name, space=table.space.name, **_device(name, args.device))
            for name in args.predictors or setting["predictors"]
        }
        start = time.perf_counter()
        evaluate(
            table,
            setting["target"],
            predictors,
            protocol=setting["protocol"],
            train_sizes=setting["sizes"],
            seeds=seeds[: setting.get("seeds", len(seeds))],
            checkpoint=_checkpoint(setting),
        )
        print(f"{setting['name']}: {time.perf_counter() - start:.0f} s", flush=True)
        write(args, summaries=summaries(args, len(seeds)), seeds=len(seeds))


def _selected(setting: dict, args: argparse.Namespace) -> bool:
    return not args.only or any(o in setting["name"] for o in args.only)


def _checkpoint(setting: dict) -> Path:
    return RUNS / (setting["name"].replace("/", "_") + ".jsonl")


def summaries(args: argparse.Namespace, seeds: int) -> list[pd.DataFrame]:
    """Per setting, the summary of its finished runs (its predictors and sizes; the first
    ``seeds`` seeds on the settings this run evaluates, every seed on the others)."""
    out, shown = [], set()
    for setting in settings(args.quick):
        # a setting's entries list their own predictors; one of --predictors shows once
        extra = [p for p in args.predictors or [] if (setting["name"], p) not in shown]
        names = list(dict.fromkeys([*setting["predictors"], *extra]))
        shown.update((setting["name"], p) for p in names)
        runs = current_runs(setting, names, args.device)
        if runs.empty:
            continue
        runs = runs[runs["train_size"].isin(setting["sizes"])]
        if _selected(setting, args):
            runs = runs[runs["seed"] < setting.get("seeds", seeds)]
        if runs.empty:
            continue
        summary = summarize(runs)
        summary.insert(0, "setting", setting["name"])
        summary.insert(1, "protocol", setting["protocol"])
        out.append(summary)
    return out


def current_runs(setting: dict, names: list[str], device: str) -> pd.DataFrame:
    """The runs of ``names`` in the setting's checkpoint that a new run would resume: rows
    made with other predictor settings or other bundled scores (kept in the file) are left
    out."""
    table = load_table(setting["path"])
    predictors = {
        name: make_predictor(name, space=table.space.name, **_device(name, device))
        for name in names
    }
    return finished_runs(
        _checkpoint(setting), table, setting["target"], predictors, protocol=setting["protocol"]
    )


def write(args: argparse.Namespace, *, summaries: list[pd.DataFrame], seeds: int) -> None:
    """``predictors.json`` and ``predictors.md`` (``_quick`` with --quick)."""
    result = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "torch_threads": torch.get_num_threads(),
            "device": args.device,
        },
        "seeds": seeds,
        "summary": pd.concat(summaries).to_dict(orient="records"),
        "published": {
            k: {f"{m} @ {n}": v for (m, n), v in d.items()} for k, d in PUBLISHED.items()
        },
        "zc_xgb_at_400": ZC_XGB_AT_400,
    }
    name = "predictors_quick" if args.quick else "predictors"
    write_json(RESULTS / f"{name}.json", result)
    with atomic_path(RESULTS / f"{name}.md") as tmp:
        tmp.write_text(markdown(result))


def _device(name: str, device: str) -> dict:
    return {"device": device} if name.split("@")[0] in TORCH_PREDICTORS else {}


def markdown(result: dict) -> str:
    frame = pd.DataFrame(result["summary"])
    lines = [
        "# Predictor benchmark",
        "",
        "Kendall tau on the test set, mean ± std over seeds (`seeds` column; "
        "`gates` protocol for NB201: test = last 7,772 of a seeded permutation; `naslib` "
        "for TNB101: a random test set of 200). Target: `valid_acc_200ep` (NB201), "
        "`valid_final` (TNB101). Machine: "
        f"{result['machine']['platform']}, {result['machine']['torch_threads']} torch threads, "
        f"device {result['machine']['device']}. Fit seconds were measured while other jobs "
        "shared the two cores: upper bounds. A `-pretrained` GNN pre-trains once per seed "
        "and space (30 passes over every architecture; NB201, one thread of a quiet core: "
        "GIN 18 s, flow 45 s) and reuses the weights for its other fits, on either "
        "dataset: its fit seconds average over both.",
        "",
    ]
    for setting, group in frame.groupby("setting", sort=False):
        pivot = group.pivot(index="predictor", columns="train_size", values="kendall_tau_mean")
        std = group.pivot(index="predictor", columns="train_size", values="kendall_tau_std")
        lines += [f"## {setting} ({group['protocol'].iloc[0]})", ""]
        sizes = list(pivot.columns)
        head = " | ".join(f"n={s}" for s in sizes)
        lines.append(f"| predictor | {head} | seeds | fit s (largest n) |")
        lines.append("|---" * (len(sizes) + 3) + "|")
        for p, runs in group.groupby("predictor", sort=False):
            cells = [
                "-" if pd.isna(pivot.loc[p, s]) else mean_std(pivot.loc[p, s], std.loc[p, s])
                for s in sizes
            ]
            largest = runs.sort_values("train_size").iloc[-1]
            tail = f" | {runs['seeds'].min()} | {largest['fit_seconds_mean']:.1f} |"
            lines.append(f"| {p} | " + " | ".join(cells) + tail)
        published = result["published"].get(setting)
        if published:
            lines += ["", "Published: " + "; ".join(f"{k}: {v}" for k, v in published.items())]
        space, _, task = setting.partition("/")
        zc = result["zc_xgb_at_400"].get(space.removeprefix("tnb101-"), {}).get(task)
        if zc is not None:
            lines += [
                "",
                f"Published, XGBoost on zero-cost proxies, n=400 (NB-Suite-Zero): {zc}",
            ]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds, two sizes")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--predictors", help="comma-separated (default: per setting)")
    parser.add_argument("--only", nargs="*", help="settings whose name contains one of these")
    parser.add_argument("--device", default="cpu", help="torch device of the GNNs")
    args = parser.parse_args()
    args.predictors = args.predictors.split(",") if args.predictors else None
    run(args)


if __name__ == "__main__":
    main()
