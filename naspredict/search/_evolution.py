"""Strategies without a predictor: random search, regularised evolution, local search, and
evolution warmed up and steered by a zero-cost score."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

import numpy as np

from naspredict.errors import NasPredictError
from naspredict.search._base import History, Strategy


class RandomSearch(Strategy):
    """Cells drawn uniformly at random from the space (without replacement).

    Parameters
    ----------
    batch : int
        Cells proposed per ask (only the loop's budget decides how many are queried).
    """

    def __init__(self, *, batch: int = 256) -> None:
        self.batch = batch

    def _start(self) -> None:
        self.order_ = self.rng_.permutation(self.cells_)
        self.next_ = 0

    def ask(self, history: History) -> list[str]:
        codes = self.order_[self.next_ : self.next_ + self.batch]
        self.next_ += len(codes)
        return self._archs(codes)


class RegularizedEvolution(Strategy):
    """Aging evolution (Real et al. 2019), as NAS-Bench-201 ran it.

    Parameters
    ----------
    population : int
        Size of the population; it starts as random cells, then the oldest member dies
        whenever a child is born.
    sample : int
        Members drawn per tournament, with replacement as NAS-Bench-201's and NASLib's
        code draw them; the best is the parent, and its child changes one op.
    """

    def __init__(self, *, population: int = 10, sample: int = 3) -> None:
        self.population = population
        self.sample = sample

    def _start(self) -> None:
        if self.sample < 1 or self.population < 1 or self.sample > self.population:
            raise NasPredictError(
                f"evolution needs 1 <= sample <= population, got sample={self.sample}, "
                f"population={self.population}"
            )
        self.members_: deque[tuple[int, float]] = deque()

    def _initial(self) -> list[int]:
        return [int(c) for c in self._random_codes(self.population)]

    def ask(self, history: History) -> list[str]:
        if not self.members_:
            return self._archs(self._initial())
        return self._archs([self._child(self._parent(), history)])

    def _parent(self) -> int:
        members = list(self.members_)
        picks = self.rng_.choice(len(members), size=self.sample, replace=True)
        values = np.array([members[i][1] for i in picks])
        best = picks[int(np.argmax(np.where(np.isnan(values), -np.inf, values)))]
        return members[best][0]

    def _child(self, parent: int, history: History) -> int:
        return self._mutate(parent)

    def tell(self, archs: list[str], values: np.ndarray) -> None:
        for code, value in zip(self._codes(archs), values, strict=True):
            self.members_.append((int(code), float(value)))
            if len(self.members_) > self.population:
                self.members_.popleft()


class LocalSearch(Strategy):
    """Local search (White et al. 2021): move to the best cell one op away while it improves,
    restart from a random cell at a local optimum.

    Parameters
    ----------
    n_init : int
        Random cells queried first; the best is the first centre. Each step queries the
        whole neighbourhood of the centre (in random order) and moves to its best cell.
    """

    def __init__(self, *, n_init: int = 10) -> None:
        self.n_init = n_init

    def _start(self) -> None:
        self.centre_: int | None = None
        self.centre_value_: float | None = None  # None: the centre is being queried
        self.neighbours_ = np.empty(0, dtype=np.int64)

    def ask(self, history: History) -> list[str]:
        if self.centre_ is None:
            if len(history) == 0:
                return self._archs(self._random_codes(max(self.n_init, 1)))
            self.centre_ = int(history.top(1)[0])
            self.centre_value_ = float(_finite(history.value_of([self.centre_]))[0])
        if self.centre_value_ is None:
            return self._archs([self.centre_])
        neighbours = self._neighbour_codes(self.centre_)
        self.neighbours_ = neighbours[self.rng_.permutation(len(neighbours))]
        return self._archs(self.neighbours_)

    def tell(self, archs: list[str], values: np.ndarray) -> None:
        if self.centre_ is None:
            return
        values = _finite(values)
        if self.centre_value_ is None:
            self.centre_value_ = float(values[0])
            return
        i = int(np.argmax(values)) if len(values) else -1
        i = i if i >= 0 and values[i] > self.centre_value_ else -1
        if i >= 0:
            self.centre_, self.centre_value_ = int(self.neighbours_[i]), float(values[i])
        elif len(archs) == len(self.neighbours_):  # a local optimum: restart at random
            self.centre_, self.centre_value_ = int(self._random_codes(1)[0]), None


class ZeroCostEvolution(RegularizedEvolution):
    """Regularised evolution with zero-cost warm-up and move proposal (Abdelfattah et al.
    2021).

    The first population is the best-scored of ``n_warmup`` random cells; each child is the
    best-scored not-yet-queried neighbour of its parent (a random neighbour when none is
    left). Scores come from any callable ``archs -> scores`` (higher is better): a proxy
    column of a table (:func:`~naspredict.search.column_scorer`), or the ``predict`` of a
    fitted predictor or a ``ZeroCostPredictor``.

    Parameters
    ----------
    scorer : callable
        Maps a list of architecture strings to an array of scores.
    n_warmup : int
        Distinct random cells scored to pick the first population.
    move_proposal : bool
        Pick the best-scored mutation rather than a random one.
    population, sample : int
        As in :class:`RegularizedEvolution`.
    """

    def __init__(
        self,
        *,
        scorer: Callable[[Sequence[str]], np.ndarray] | None = None,
        n_warmup: int = 1000,
        move_proposal: bool = True,
        population: int = 10,
        sample: int = 3,
    ) -> None:
        super().__init__(population=population, sample=sample)
        self.scorer = scorer
        self.n_warmup = n_warmup
        self.move_proposal = move_proposal

    def _start(self) -> None:
        if self.scorer is None:
            raise NasPredictError("zero-cost evolution needs a scorer (archs -> scores)")
        super()._start()

    def _score(self, codes: np.ndarray) -> np.ndarray:
        scores = np.asarray(self.scorer(self._archs(codes)), dtype=np.float64).reshape(-1)
        if len(scores) != len(codes):
            raise NasPredictError(
                f"the scorer returned {len(scores)} scores for {len(codes)} cells"
            )
        return _finite(scores)

    def _initial(self) -> list[int]:
        n = min(max(self.n_warmup, self.population), len(self.cells_))
        pool = np.unique(self.space_.canonical_codes(self.rng_.choice(self.cells_, n, False)))
        pool = pool[self.rng_.permutation(len(pool))]  # random order among equal scores
        best = np.argsort(-self._score(pool), kind="stable")[: self.population]
        return [int(c) for c in pool[best]]

    def _child(self, parent: int, history: History) -> int:
        if not self.move_proposal:
            return self._mutate(parent)
        neighbours = self._neighbour_codes(parent)
        neighbours = neighbours[~history.queried(neighbours)]
        if not len(neighbours):
            return self._mutate(parent)
        neighbours = neighbours[self.rng_.permutation(len(neighbours))]
        return int(neighbours[int(np.argmax(self._score(neighbours)))])


def _finite(values: np.ndarray) -> np.ndarray:
    """NaN (a cell without a value) ranks lowest."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isnan(values), -np.inf, values)
