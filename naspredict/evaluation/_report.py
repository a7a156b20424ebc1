"""Reports of an evaluation: a markdown table and a plot of Kendall tau against training size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from naspredict.io import atomic_path

#: Columns shown in the markdown table (mean ± std over seeds).
REPORT_METRICS = ("kendall_tau", "spearman", "precision_top5%", "mae", "fit_seconds")


def mean_std(mean: float, std: float) -> str:
    """``mean ± std`` to three decimals; the mean alone where the std is NaN (one seed)."""
    return f"{mean:.3f}" + ("" if pd.isna(std) else f" ± {std:.3f}")


def markdown_table(summary: pd.DataFrame, metrics: tuple[str, ...] = REPORT_METRICS) -> str:
    """``summary`` (from :func:`summarize`) as a markdown table, mean ± std per metric."""
    head = ["predictor", "train size", *metrics, "seeds"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, row in summary.iterrows():
        cells = [str(row["predictor"]), str(row["train_size"])]
        for m in metrics:
            cells.append(mean_std(row[f"{m}_mean"], row[f"{m}_std"]))
        cells.append(str(row["seeds"]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_kendall_tau(
    summary: pd.DataFrame, path: str | Path, title: str = "", *, references: str | None = None
) -> None:
    """Kendall tau (mean ± std over seeds) against training size, one line per predictor;
    predictors whose name starts with ``references`` (e.g. untrained proxies) as thin dashed
    lines without error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, group in summary.groupby("predictor", sort=False):
        reference = references is not None and str(name).startswith(references)
        ax.errorbar(
            group["train_size"],
            group["kendall_tau_mean"],
            yerr=None if reference else group["kendall_tau_std"].fillna(0),
            marker=None if reference else "o",
            linestyle="--" if reference else "-",
            linewidth=1 if reference else 2,
            capsize=3,
            label=name,
        )
    ax.set_xscale("log")
    ax.set_xlabel("training architectures")
    ax.set_ylabel("Kendall tau on the test set")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    save_figure(fig, path)


def save_figure(fig: Any, path: str | Path) -> None:
    """Write ``fig`` atomically (format from the suffix, PNG by default) and close it."""
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or "png", dpi=120)
    plt.close(fig)
