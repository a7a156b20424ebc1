"""Predictor-guided strategies: BANANAS and NPENAS-style evolution.

Each iteration fits the predictor on every cell queried so far, scores a pool of unqueried
candidates, and proposes the ``k`` best by an acquisition function.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import norm
from sklearn.base import clone

from naspredict.encodings import get_encoder
from naspredict.errors import NasPredictError, UnknownNameError
from naspredict.predictors import PRECOMPUTED, ArchPredictor, XGBPredictor
from naspredict.search._base import History, Strategy
from naspredict.spaces import SPACES, SearchSpace, get_space

ACQUISITIONS = ("mean", "ucb", "ei", "its")
POOLS = ("mutation", "space")


def default_predictor(space: str | SearchSpace = "nb201") -> XGBPredictor:
    """The predictor search uses when given none: XGBoost with the pairwise ranking objective
    on one-hot + GRAF features, sized for a refit every iteration (200 trees) on one thread
    (seeds run in parallel). Ranking, not regression: a search needs the order of the top
    cells, and squared error spends itself on the long tail of bad ones (NB201
    cifar10-valid, 12 seeds: median 46 queries to the optimum against 59)."""
    return XGBPredictor(
        space=space, objective="rank", n_estimators=200, learning_rate=0.1, n_jobs=1
    )


class PredictorGuided(Strategy):
    """Fit a predictor on all queried cells, query the best-acquired unqueried candidates.

    Parameters
    ----------
    predictor : ArchPredictor, optional
        Any predictor of the package (unfitted; each iteration fits a clone). Defaults to
        :func:`default_predictor`. A predictor with an encoding is given the encoding of
        every cell once (``encoding="precomputed"``), not re-encoded at every fit.
    n_init : int
        Random cells queried before the first fit.
    k : int
        Cells proposed per iteration.
    pool : {"mutation", "space"}
        Candidates: the unqueried neighbours (one op changed) of the ``n_parents`` best
        queried cells plus ``n_random`` random cells (when every neighbour has been queried,
        those of twice as many of the best cells, and so on); or every unqueried cell of the
        space, one per isomorphism class.
    n_parents, n_random : int
        Size of the mutation pool.
    acquisition : {"mean", "ucb", "ei", "its"}
        Predicted mean; upper confidence bound ``mean + beta * std``; expected improvement
        over the best queried value; independent Thompson sampling (one draw per cell).
    beta : float
        Weight of the standard deviation in UCB.
    n_models : int
        Ensemble size for the uncertainty of a predictor without ``predict_std``: members
        are clones fitted on bootstrap resamples with different seeds.
    """

    def __init__(
        self,
        *,
        predictor: ArchPredictor | None = None,
        n_init: int = 10,
        k: int = 5,
        pool: str = "space",
        n_parents: int = 10,
        n_random: int = 100,
        acquisition: str = "mean",
        beta: float = 0.5,
        n_models: int = 5,
    ) -> None:
        self.predictor = predictor
        self.n_init = n_init
        self.k = k
        self.pool = pool
        self.n_parents = n_parents
        self.n_random = n_random
        self.acquisition = acquisition
        self.beta = beta
        self.n_models = n_models

    # -- set-up ---------------------------------------------------------------------------

    def _start(self) -> None:
        for name, value, valid in (
            ("pool", self.pool, POOLS),
            ("acquisition", self.acquisition, ACQUISITIONS),
        ):
            if value not in valid:
                raise UnknownNameError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
        if self.k < 1 or self.n_init < 1:
            raise NasPredictError(f"k and n_init must be positive, got {self.k}, {self.n_init}")
        model = clone(self.predictor) if self.predictor is not None else default_predictor()
        params = model.get_params()
        if "space" in params and get_space(params["space"]) is not self.space_:
            registered = self.space_.name in SPACES and SPACES.get(self.space_.name) is self.space_
            model.set_params(space=self.space_.name if registered else self.space_)
        if "random_state" in params:
            model.set_params(random_state=int(self.rng_.integers(2**31 - 1)))
        self.features_ = self._all_features(model)
        if self.features_ is not None:
            model.set_params(encoding=PRECOMPUTED)
        self.model_ = model
        self._reps = np.unique(self.space_.canonical_codes(self.cells_))

    def _all_features(self, model: ArchPredictor) -> np.ndarray | None:
        encoding = model.get_params().get("encoding")
        if not isinstance(encoding, str) or encoding == PRECOMPUTED:
            return None
        return get_encoder(encoding).space_matrix(self.space_)

    def _inputs(self, codes: np.ndarray) -> Any:
        return self._archs(codes) if self.features_ is None else self.features_[codes]

    # -- ask ------------------------------------------------------------------------------

    def ask(self, history: History) -> list[str]:
        values = history.values
        finite = np.isfinite(values)
        if len(history) < self.n_init or finite.sum() < 2:
            return self._archs(self._random_codes(max(self.n_init - len(history), 1)))
        codes = history.codes[finite]
        candidates = self._candidates(history)
        if not len(candidates):
            return []
        scores = self._acquire(codes, values[finite], candidates)
        # random order first, so that equal scores are broken at random
        order = self.rng_.permutation(len(candidates))
        best = order[np.argsort(-scores[order], kind="stable")[: self.k]]
        return self._archs(candidates[best])

    def _candidates(self, history: History) -> np.ndarray:
        if self.pool == "space":
            pool = self._reps
            return pool[~history.queried(pool)]
        random = self._random_codes(self.n_random)
        ranked = history.top(len(history))
        parents = self.n_parents
        while True:  # neighbours all queried: widen to the next best cells, not give up
            pool = np.concatenate([*(self._neighbour_codes(p) for p in ranked[:parents]), random])
            pool = np.unique(self.space_.canonical_codes(pool))
            pool = pool[~history.queried(pool)]
            if len(pool) or parents >= len(ranked):
                return pool
            parents = max(2 * parents, 1)

    def _acquire(self, codes: np.ndarray, y: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        if self.acquisition == "mean":
            return self.model_.fit(self._inputs(codes), y).predict(self._inputs(candidates))
        mean, std, incumbent = self._mean_std(codes, y, candidates)
        std = np.maximum(std, 1e-9)
        if self.acquisition == "ucb":
            return mean + self.beta * std
        if self.acquisition == "its":
            return mean + std * self.rng_.standard_normal(len(mean))
        # expected improvement over the best predicted queried cell: predictions of a ranking
        # model are scores, not values of y
        z = (mean - incumbent) / std
        return std * (z * norm.cdf(z) + norm.pdf(z))

    def _mean_std(
        self, codes: np.ndarray, y: np.ndarray, candidates: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Mean and std of the predictions on ``candidates``; the best mean on ``codes``."""
        X, Xc = self._inputs(codes), self._inputs(np.concatenate([candidates, codes]))
        n = len(candidates)
        if getattr(self.model_, "has_uncertainty", False):
            self.model_.fit(X, y)
            mean, std = self.model_.predict(Xc), self.model_.predict_std(Xc[:n])
            return mean[:n], std, float(mean[n:].max())
        preds = []
        seed = self.model_.get_params().get("random_state")
        for i in range(max(self.n_models, 2)):
            member = clone(self.model_)
            if seed is not None:
                member.set_params(random_state=seed + i)
            rows = self.rng_.integers(len(y), size=len(y))
            subset = X[rows] if self.features_ is not None else [X[r] for r in rows]
            preds.append(member.fit(subset, y[rows]).predict(Xc))
        mean = np.asarray(preds).mean(axis=0)
        return mean[:n], np.asarray(preds)[:, :n].std(axis=0), float(mean[n:].max())


class Bananas(PredictorGuided):
    """BANANAS (White et al. 2021): an ensemble predictor and an acquisition function over
    mutations of the best cells. Defaults: Thompson sampling, pool of the neighbours of the
    10 best cells plus 100 random ones, 5 bootstrap members when the predictor has no
    uncertainty of its own. See :class:`PredictorGuided` for the parameters."""

    def __init__(
        self,
        *,
        predictor: ArchPredictor | None = None,
        n_init: int = 10,
        k: int = 5,
        pool: str = "mutation",
        n_parents: int = 10,
        n_random: int = 100,
        acquisition: str = "its",
        beta: float = 0.5,
        n_models: int = 5,
    ) -> None:
        super().__init__(
            predictor=predictor,
            n_init=n_init,
            k=k,
            pool=pool,
            n_parents=n_parents,
            n_random=n_random,
            acquisition=acquisition,
            beta=beta,
            n_models=n_models,
        )


class NPENAS(PredictorGuided):
    """NPENAS-style predictor-guided evolution (Wei et al. 2022): the predicted mean ranks a
    large pool of candidates and the best ``k`` are queried each iteration. The default pool
    is every unqueried cell (scoring a whole NAS-Bench-201 space is one vectorised call);
    ``pool="mutation"`` restricts it to mutations of the best cells, as the paper does.
    See :class:`PredictorGuided` for the parameters."""

    def __init__(
        self,
        *,
        predictor: ArchPredictor | None = None,
        n_init: int = 10,
        k: int = 5,
        pool: str = "space",
        n_parents: int = 10,
        n_random: int = 100,
        acquisition: str = "mean",
        beta: float = 0.5,
        n_models: int = 5,
    ) -> None:
        super().__init__(
            predictor=predictor,
            n_init=n_init,
            k=k,
            pool=pool,
            n_parents=n_parents,
            n_random=n_random,
            acquisition=acquisition,
            beta=beta,
            n_models=n_models,
        )
