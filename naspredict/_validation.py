"""Checks of arguments that the library's public functions share."""

from __future__ import annotations

from typing import Any

import numpy as np

from naspredict.errors import InvalidOptionError


def check_count(what: str, value: Any, least: int) -> int:
    """``value`` as an int; InvalidOptionError unless it is an integer of at least ``least``
    (a budget, a training size, a seed)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise InvalidOptionError(f"a {what} must be an integer of at least {least}, got {value!r}")
    return int(value)
