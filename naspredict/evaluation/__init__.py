"""Evaluation of predictors under the published protocols.

>>> from naspredict.evaluation import evaluate, summarize
>>> results = evaluate(table, "valid_acc_200ep", {"xgb": XGBPredictor()},
...                    protocol="gates", train_sizes=[78, 781], seeds=range(5))  # doctest: +SKIP
"""

from naspredict.errors import NoNoiseEstimateError, ProtocolError
from naspredict.evaluation._ceiling import (
    noise_ceiling,
    protocol_noise_ceiling,
    table_noise_ceiling,
)
from naspredict.evaluation._compare import (
    PROXY_PREFIX,
    compare,
    crossover_markdown,
    crossovers,
    plot_predicted_vs_true,
    predicted_and_true,
    proxy_values,
)
from naspredict.evaluation._evaluate import evaluate, finished_runs, summarize, target_values
from naspredict.evaluation._metrics import precision_at_top, prediction_metrics
from naspredict.evaluation._protocols import PROTOCOLS, Split
from naspredict.evaluation._report import markdown_table, mean_std, plot_kendall_tau

__all__ = [
    "PROTOCOLS",
    "PROXY_PREFIX",
    "NoNoiseEstimateError",
    "ProtocolError",
    "Split",
    "compare",
    "crossover_markdown",
    "crossovers",
    "evaluate",
    "finished_runs",
    "markdown_table",
    "mean_std",
    "noise_ceiling",
    "plot_kendall_tau",
    "plot_predicted_vs_true",
    "precision_at_top",
    "predicted_and_true",
    "prediction_metrics",
    "protocol_noise_ceiling",
    "proxy_values",
    "summarize",
    "table_noise_ceiling",
    "target_values",
]
