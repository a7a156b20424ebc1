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


def check_device(device: Any) -> str:
    """``device`` if it names a torch device this machine has (``cpu``, ``cuda``,
    ``cuda:1``, ...); InvalidOptionError otherwise."""
    import torch  # only where a device is asked for

    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError):
        raise InvalidOptionError(f"not a torch device: {device!r}") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise InvalidOptionError(f"{device!r}: this torch has no CUDA device to use")
    return str(device)
