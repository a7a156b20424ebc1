"""Optuna's TPE over the categorical op choices: an external baseline."""

from __future__ import annotations

import numpy as np

from naspredict.errors import InvalidArchitectureError, NasPredictError
from naspredict.search._base import History, Strategy


class TPE(Strategy):
    """Tree-structured Parzen estimator (optuna) with one categorical parameter per op slot.

    Needs a space whose architectures all have the same number of op slots (cell spaces);
    the choices of each slot are the op indices found there.

    Parameters
    ----------
    n_startup : int
        Random trials before TPE takes over.
    multivariate : bool
        Model the slots jointly (optuna's multivariate TPE).
    """

    def __init__(self, *, n_startup: int = 10, multivariate: bool = True) -> None:
        self.n_startup = n_startup
        self.multivariate = multivariate

    def _start(self) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        ops = self.ops_ = _op_table(self.space_)
        self.distributions_ = {
            f"op{i}": optuna.distributions.CategoricalDistribution(
                [int(v) for v in np.unique(ops[:, i])]
            )
            for i in range(ops.shape[1])
        }
        sampler = optuna.samplers.TPESampler(
            n_startup_trials=self.n_startup,
            multivariate=self.multivariate,
            seed=int(self.rng_.integers(2**31 - 1)),
        )
        self.study_ = optuna.create_study(direction="maximize", sampler=sampler)
        self.trial_ = None

    def ask(self, history: History) -> list[str]:
        while True:
            trial = self.study_.ask(self.distributions_)
            ops = [trial.params[f"op{i}"] for i in range(len(self.distributions_))]
            try:
                arch = self.space_.format(ops)
            except InvalidArchitectureError:
                self.study_.tell(trial, state=_failed())
                continue
            code = self._codes([arch])[0]
            if not self.allowed_[code]:
                # a table of part of the space: take instead a nearest cell that it has
                self.study_.tell(trial, state=_failed())
                near = self._neighbour_codes(code)
                code = near[self.rng_.integers(len(near))]
                self.study_.enqueue_trial({f"op{i}": int(v) for i, v in enumerate(self.ops_[code])})
                trial = self.study_.ask(self.distributions_)
                arch = self._archs([code])[0]
            self.trial_ = trial
            return [arch]

    def tell(self, archs: list[str], values: np.ndarray) -> None:
        if self.trial_ is None or not len(values):
            return
        value = float(values[0])
        if np.isnan(value):
            self.study_.tell(self.trial_, state=_failed())
        else:
            self.study_.tell(self.trial_, value)
        self.trial_ = None


def _failed():
    import optuna

    return optuna.trial.TrialState.FAIL


def _op_table(space) -> np.ndarray:
    """Op indices of every architecture, shape ``(len(space), slots)``."""
    if hasattr(space, "op_matrix"):
        return np.asarray(space.op_matrix())
    ops = [space.parse(a) for a in space.all_archs()]
    if len({len(o) for o in ops}) != 1:
        raise NasPredictError(
            f"TPE needs architectures with a fixed number of op slots; {space.name} has "
            f"{min(map(len, ops))} to {max(map(len, ops))}"
        )
    return np.asarray(ops)
