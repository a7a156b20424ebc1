"""TransNAS-Bench-101 macro space: 3,256 skeletons of 4 to 6 residual modules."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from naspredict.errors import InvalidArchitectureError
from naspredict.spaces._base import SearchSpace

_PATTERN = re.compile(r"^64-(?P<digits>[0-9]*)-basic$")
MIN_LAYERS, MAX_LAYERS = 4, 6
DOWNSAMPLINGS = (1, 4)
DOUBLINGS = (1, 3)


class TNB101MacroSpace(SearchSpace):
    """Skeletons written ``64-<4 to 6 digits>-basic``, one digit per module.

    Module types: ``1`` normal, ``2`` channels x2, ``3`` resolution /2, ``4`` both. A
    skeleton halves the resolution 1 to 4 times and doubles the channels 1 to 3 times.
    The op indices of :meth:`parse` are the digits themselves. Every skeleton is its own
    isomorphism class.
    """

    name = "tnb101-macro"
    ops = ("normal", "channel_x2", "downsample", "downsample_channel_x2")

    def format(self, ops: Sequence[int]) -> str:
        ops = tuple(int(o) for o in ops)
        self._check(ops, repr(ops))
        return "64-" + "".join(map(str, ops)) + "-basic"

    def parse(self, arch: str) -> tuple[int, ...]:
        if not isinstance(arch, str):
            raise InvalidArchitectureError(
                f"tnb101-macro arch must be a string, got {type(arch).__name__}"
            )
        m = _PATTERN.match(arch.strip())
        if m is None:
            raise InvalidArchitectureError(
                f"tnb101-macro arch must be written 64-<digits>-basic, got {arch!r}"
            )
        ops = tuple(int(d) for d in m["digits"])
        self._check(ops, arch)
        return ops

    @staticmethod
    def _check(ops: tuple[int, ...], arch: str) -> None:
        if not MIN_LAYERS <= len(ops) <= MAX_LAYERS:
            raise InvalidArchitectureError(
                f"tnb101-macro needs {MIN_LAYERS} to {MAX_LAYERS} modules, got {len(ops)} in {arch}"
            )
        bad = [o for o in ops if not 1 <= o <= 4]
        if bad:
            raise InvalidArchitectureError(
                f"unknown tnb101-macro module {bad[0]} in {arch}; valid: 1 normal, "
                "2 channel_x2, 3 downsample, 4 downsample_channel_x2"
            )
        down = sum(o in (3, 4) for o in ops)
        if not DOWNSAMPLINGS[0] <= down <= DOWNSAMPLINGS[1]:
            raise InvalidArchitectureError(
                f"tnb101-macro needs {DOWNSAMPLINGS[0]} to {DOWNSAMPLINGS[1]} downsamplings "
                f"(3 or 4), got {down} in {arch}"
            )
        double = sum(o in (2, 4) for o in ops)
        if not DOUBLINGS[0] <= double <= DOUBLINGS[1]:
            raise InvalidArchitectureError(
                f"tnb101-macro needs {DOUBLINGS[0]} to {DOUBLINGS[1]} channel doublings "
                f"(2 or 4), got {double} in {arch}"
            )

    def _enumerate(self) -> list[str]:
        out = []
        for n in range(MIN_LAYERS, MAX_LAYERS + 1):
            for ops in itertools.product((1, 2, 3, 4), repeat=n):
                if self._is_valid_ops(ops):
                    out.append(self.format(ops))
        return out

    def _is_valid_ops(self, ops: tuple[int, ...]) -> bool:
        try:
            self._check(ops, "")
        except InvalidArchitectureError:
            return False
        return True

    def neighbours(self, arch: str) -> list[str]:
        """Skeletons one module away: one module changed, inserted or removed."""
        ops = self.parse(arch)
        candidates = set()
        for i in range(len(ops) + 1):
            for new in (1, 2, 3, 4):
                if i < len(ops) and new != ops[i]:
                    candidates.add((*ops[:i], new, *ops[i + 1 :]))
                candidates.add((*ops[:i], new, *ops[i:]))
            if i < len(ops):
                candidates.add(ops[:i] + ops[i + 1 :])
        candidates.discard(ops)
        return sorted(self.format(c) for c in candidates if self._is_valid_ops(c))

    def isomorphism_key(self, arch: str) -> str:
        return self.normalize(arch)
