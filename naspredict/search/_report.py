"""Summaries of search runs: regret curves, queries to the optimum, a table and a plot."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from naspredict.io import atomic_path
from naspredict.search._objective import TableObjective
from naspredict.search._run import Trajectory

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Query counts at which the regret is reported.
CHECKPOINTS = (50, 100, 200)


def regret_curves(
    trajectories: Sequence[Trajectory], objective: TableObjective
) -> dict[str, pd.DataFrame]:
    """Per strategy: mean report regret after each query, with a 95 % interval of the mean.

    Regret is ``objective.best_report`` minus the report value of the best-by-query cell
    found so far (NaN before the first). Returns one DataFrame per strategy with columns
    ``queries``, ``mean``, ``low``, ``high``, ``runs``.
    """
    out = {}
    for name, runs in _by_strategy(trajectories).items():
        regret = objective.best_report - np.array([t.incumbent_report() for t in runs])
        out[name] = _mean_ci(regret)
    return out


def _mean_ci(values: np.ndarray) -> pd.DataFrame:
    n = np.sum(~np.isnan(values), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(np.where(n > 0, values, 0.0), axis=0)
        std = np.nanstd(values, axis=0, ddof=1) if values.shape[0] > 1 else np.zeros_like(mean)
        half = 1.96 * np.nan_to_num(std) / np.sqrt(np.maximum(n, 1))
    return pd.DataFrame(
        {
            "queries": np.arange(1, values.shape[1] + 1),
            "mean": mean,
            "low": mean - half,
            "high": mean + half,
            "runs": n,
        }
    )


def summarize(
    trajectories: Sequence[Trajectory],
    objective: TableObjective,
    *,
    checkpoints: Sequence[int] = CHECKPOINTS,
) -> pd.DataFrame:
    """One row per strategy: queries until the query optimum was found (median, quartiles;
    ``inf`` counts a run that never found it), the share of runs that found it, the number
    that ended before the budget without finding it (``ended_early``), the mean
    report regret (and the half-width of its 95 % interval) after each checkpoint, the mean
    query regret there, the simulated training time to the optimum (with a time column),
    and wall seconds per run."""
    rows = []
    for name, runs in _by_strategy(trajectories).items():
        budget = runs[0].budget
        found = np.array([np.inf if t.found_at is None else t.found_at for t in runs], float)
        # a run that never found it counts as budget + 1; a quartile that such a run enters
        # (interpolated between it and a run that found it) is inf, "> budget"
        capped = np.minimum(found, budget + 1)
        quartiles = np.percentile(capped, [25, 50, 75])
        upper = np.percentile(capped, [25, 50, 75], method="higher")
        q25, q50, q75 = np.where(upper > budget, np.inf, quartiles)
        regret = objective.best_report - np.array([t.incumbent_report() for t in runs])
        curve = _mean_ci(regret)
        half_width = (curve["high"] - curve["mean"]).to_numpy()  # of the 95 % interval
        query_regret = objective.optimum - np.array([t.incumbent_query() for t in runs])
        row = {
            "strategy": name,
            "runs": len(runs),
            "budget": budget,
            "found": float(np.isfinite(found).mean()),
            # runs that ended before the budget without finding the optimum
            "ended_early": sum(t.found_at is None and len(t) < budget for t in runs),
            "queries_to_optimum_median": q50,
            "queries_to_optimum_q25": q25,
            "queries_to_optimum_q75": q75,
        }
        for c in checkpoints:
            if c > budget:
                continue
            column = regret[:, c - 1]
            row[f"regret@{c}"] = float(np.nanmean(column))
            row[f"regret@{c}_ci"] = float(half_width[c - 1])
            row[f"query_regret@{c}"] = float(np.nanmean(query_regret[:, c - 1]))
        if runs[0].time is not None:
            times = [t.elapsed()[t.found_at - 1] if t.found_at else np.inf for t in runs]
            row["time_to_optimum_median"] = float(np.median(times))
        row["seconds_per_run"] = float(np.mean([t.seconds for t in runs]))
        rows.append(row)
    return pd.DataFrame(rows)


def summary_records(summary: pd.DataFrame) -> list[dict]:
    """``summary`` as JSON-ready records: infinite or NaN numbers (an optimum never found)
    become None, so the file is strict JSON."""
    return [
        {k: None if isinstance(v, float) and not np.isfinite(v) else v for k, v in row.items()}
        for row in summary.to_dict(orient="records")
    ]


def markdown_table(summary: pd.DataFrame) -> str:
    """``summary`` (from :func:`summarize`) as a markdown table."""
    regret_cols = [c for c in summary.columns if c.startswith("regret@") and not c.endswith("_ci")]
    head = ["strategy", "runs", "queries to optimum: median [q25, q75]", "found"]
    head += [f"regret {c.split('@')[1]}" for c in regret_cols]
    query_col = "query_regret@100" if "query_regret@100" in summary.columns else None
    if query_col:
        head.append("query regret 100")
    if "time_to_optimum_median" in summary.columns:
        head.append("time to optimum (median)")
    head.append("s / run")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, row in summary.iterrows():
        # a run that ended early is not known to need more than the budget
        beyond = "not found" if row["ended_early"] else f"> {int(row['budget'])}"
        median, q25, q75 = (
            _queries(row[f"queries_to_optimum_{q}"], beyond) for q in ("median", "q25", "q75")
        )
        found = f"{row['found']:.0%}"
        if row["ended_early"]:
            found += f" ({row['ended_early']} ended early)"
        cells = [str(row["strategy"]), str(row["runs"]), f"{median} [{q25}, {q75}]", found]
        cells += [f"{row[c]:.3f} ± {row[c + '_ci']:.3f}" for c in regret_cols]
        if query_col:
            cells.append(f"{row[query_col]:.3f}")
        if "time_to_optimum_median" in summary.columns:
            t = row["time_to_optimum_median"]
            cells.append(f"{t:.4g}" if np.isfinite(t) else "not found")
        cells.append(f"{row['seconds_per_run']:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _queries(value: float, beyond: str) -> str:
    return beyond if not np.isfinite(value) else f"{value:.0f}"


def draw_regret(
    ax: Axes, curves: dict[str, dict], floor: float, report: str, title: str = ""
) -> None:
    """Draw regret curves (``mean``, ``low``, ``high`` per query) on the matplotlib ``ax``,
    with the regret of the query optimum as a dotted line where it is above 0."""
    for name, curve in curves.items():
        x = np.arange(1, len(curve["mean"]) + 1)
        (line,) = ax.plot(x, curve["mean"], label=name, lw=1.3)
        low = np.maximum(curve["low"], 0)  # regret is never negative
        ax.fill_between(x, low, curve["high"], color=line.get_color(), alpha=0.2)
    if floor > 0:
        ax.axhline(floor, color="grey", linestyle=":", label="regret of the query optimum")
    ax.set_yscale("symlog", linthresh=0.1)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("queries (distinct cells trained)")
    ax.set_ylabel(f"regret of {report}")
    ax.set_title(title)
    ax.grid(alpha=0.3)


def plot_regret(
    trajectories: Sequence[Trajectory],
    objective: TableObjective,
    path: str | Path,
    title: str = "",
) -> None:
    """Mean report regret against queries, with its 95 % interval, one line per strategy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    floor = objective.best_report - objective.report_of_optimum
    draw_regret(ax, regret_curves(trajectories, objective), floor, objective.report_name, title)
    ax.legend(fontsize="small")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or "png", dpi=120)
    plt.close(fig)


def _by_strategy(trajectories: Sequence[Trajectory]) -> dict[str, list[Trajectory]]:
    out: dict[str, list[Trajectory]] = {}
    for t in trajectories:
        out.setdefault(t.strategy, []).append(t)
    return out
