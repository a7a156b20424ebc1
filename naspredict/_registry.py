"""A small name -> object registry, shared by spaces, readers, predictors and proxies."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

from naspredict.errors import UnknownNameError

T = TypeVar("T")


def match_name(name: str, names: Iterable[str]) -> str | None:
    """``name`` if it is one of ``names``, else the one of them that differs from it only in
    case (``XGB`` -> ``xgb``, ``imagenet16-120`` -> ``ImageNet16-120``), else None."""
    names = list(names)
    if name in names:
        return name
    same = [n for n in names if n.casefold() == name.casefold()]
    return same[0] if len(same) == 1 else None


class Registry(Generic[T]):
    """Maps names to objects; an unknown name is an error that lists the valid ones.

    Parameters
    ----------
    kind : str
        What the registry holds ("search space", "reader", ...), used in error messages.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that registers an object under ``name``."""

        def add(obj: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._items[name] = obj
            return obj

        return add

    def get(self, name: str) -> T:
        """The object registered as ``name``, or under the one name that differs from it only
        in case (``XGB``, ``ImageNet16-120``)."""
        match = match_name(name, self._items) if isinstance(name, str) else None
        if match is not None:
            return self._items[match]
        raise UnknownNameError(f"unknown {self.kind} {name!r}; valid: {', '.join(self.names())}")

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items
