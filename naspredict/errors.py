"""Exception types raised by naspredict.

Every error a user can cause derives from :class:`NasPredictError`, so the CLI can print it
as one line; each also derives from the built-in type it refines, as scikit-learn does.
"""

from __future__ import annotations

__all__ = [
    "BenchmarkFormatError",
    "ImageDataError",
    "InvalidArchitectureError",
    "InvalidOptionError",
    "InvalidTargetError",
    "MissingColumnError",
    "MissingDependencyError",
    "MissingScoresError",
    "NasPredictError",
    "NoNoiseEstimateError",
    "NotFittedError",
    "ProtocolError",
    "ProxyConfigError",
    "ScoreCacheError",
    "ScoringWorkerError",
    "StaleScoresWarning",
    "UnknownNameError",
    "UnsafePickleError",
    "UnscoredCellsWarning",
]


class NasPredictError(Exception):
    """Base class of every error naspredict raises on bad input."""


class InvalidArchitectureError(NasPredictError, ValueError):
    """An architecture string or op list that is not a member of its search space."""


class UnknownNameError(NasPredictError, KeyError):
    """A name that is not registered; the message lists the valid ones."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class InvalidOptionError(NasPredictError, ValueError):
    """Options that do not apply where they are given, or contradict each other."""


class BenchmarkFormatError(NasPredictError, ValueError):
    """A benchmark file that is missing, unreadable, or not in any known format."""


class MissingColumnError(BenchmarkFormatError, KeyError):
    """A table lacks a column that the operation needs."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnsafePickleError(BenchmarkFormatError):
    """A pickle names a global outside the allow-list of its format; nothing in it was run."""


class InvalidTargetError(NasPredictError, ValueError):
    """Training targets that are missing, non-numeric or not finite."""


class NotFittedError(NasPredictError, ValueError, AttributeError):
    """A predictor used before ``fit``."""


class ImageDataError(NasPredictError, ValueError):
    """An image dataset that is missing, unreadable, or not in the expected layout."""


class ProtocolError(InvalidOptionError):
    """A training size or table that an evaluation protocol cannot serve (a usage error:
    another size or protocol serves)."""


class NoNoiseEstimateError(NasPredictError, ValueError):
    """A table holds too few independent measurements of copies of one network to estimate
    its training noise."""


class ProxyConfigError(InvalidOptionError):
    """A zero-cost proxy configuration value outside its allowed set, or scoring options
    that do not go together."""


class ScoreCacheError(NasPredictError, ValueError):
    """A scores file written with other proxies, configs or data, or unreadable."""


class ScoringWorkerError(NasPredictError, RuntimeError):
    """A zero-cost scoring worker process ended without finishing its work."""


class MissingScoresError(NasPredictError, ValueError):
    """No zero-cost scores for a space: none given and none bundled."""


class MissingDependencyError(NasPredictError, ImportError):
    """An optional package that a requested feature needs is not installed."""


class UnscoredCellsWarning(UserWarning):
    """A zero-cost predictor scores cells that its scores table lacks (slow, and with the
    proxy's default configuration rather than the table's)."""


class StaleScoresWarning(UserWarning):
    """A saved predictor was fitted while naspredict shipped other zero-cost scores for its
    space than it ships now."""
