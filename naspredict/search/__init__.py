"""Search strategies, simulated on benchmark tables: every query is answered by a look-up.

>>> from naspredict.search import NPENAS, TableObjective, run_searches, summarize
>>> objective = TableObjective(table, "valid_acc_200ep", "test_acc_200ep")  # doctest: +SKIP
>>> runs = run_searches({"npenas": NPENAS()}, objective, budget=300)  # doctest: +SKIP
>>> summarize(runs, objective)  # doctest: +SKIP

CLI names: ``random``, ``rea``, ``local``, ``bananas``, ``npenas``, ``zc-warmup``, ``tpe``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from naspredict._registry import Registry
from naspredict.predictors import ArchPredictor
from naspredict.search._base import History, Strategy
from naspredict.search._evolution import (
    LocalSearch,
    RandomSearch,
    RegularizedEvolution,
    ZeroCostEvolution,
)
from naspredict.search._guided import (
    ACQUISITIONS,
    NPENAS,
    POOLS,
    Bananas,
    PredictorGuided,
    default_predictor,
)
from naspredict.search._objective import TableObjective, column_scorer
from naspredict.search._report import (
    draw_regret,
    markdown_table,
    plot_regret,
    regret_curves,
    summarize,
    summary_records,
)
from naspredict.search._run import STOP_REASONS, Trajectory, run_search, run_searches
from naspredict.search._tpe import TPE

__all__ = [
    "ACQUISITIONS",
    "NPENAS",
    "POOLS",
    "STOP_REASONS",
    "STRATEGIES",
    "TPE",
    "Bananas",
    "History",
    "LocalSearch",
    "PredictorGuided",
    "RandomSearch",
    "RegularizedEvolution",
    "Strategy",
    "TableObjective",
    "Trajectory",
    "ZeroCostEvolution",
    "column_scorer",
    "default_predictor",
    "draw_regret",
    "make_strategy",
    "markdown_table",
    "plot_regret",
    "regret_curves",
    "run_search",
    "run_searches",
    "summarize",
    "summary_records",
]

#: CLI name -> strategy class.
STRATEGIES: Registry[type[Strategy]] = Registry("search strategy")
STRATEGIES.register("random")(RandomSearch)
STRATEGIES.register("rea")(RegularizedEvolution)
STRATEGIES.register("local")(LocalSearch)
STRATEGIES.register("bananas")(Bananas)
STRATEGIES.register("npenas")(NPENAS)
STRATEGIES.register("zc-warmup")(ZeroCostEvolution)
STRATEGIES.register("tpe")(TPE)


def make_strategy(
    name: str,
    *,
    predictor: ArchPredictor | None = None,
    scorer: Callable[[Sequence[str]], np.ndarray] | None = None,
    **params: Any,
) -> Strategy:
    """The strategy registered as ``name``; ``predictor`` and ``scorer`` go to the strategies
    that take them and are ignored by the others."""
    cls = STRATEGIES.get(name)
    accepted = cls._get_param_names()
    if predictor is not None and "predictor" in accepted:
        params["predictor"] = predictor
    if scorer is not None and "scorer" in accepted:
        params["scorer"] = scorer
    return cls(**params)
