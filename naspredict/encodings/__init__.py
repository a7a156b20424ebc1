"""Encodings of architectures: feature vectors for tree and linear models, graphs for GNNs.

>>> from naspredict.encodings import get_encoder
>>> enc = get_encoder("onehot+graf")
>>> enc.encode("nb201", ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"]).shape
(1, 110)

Graphs for torch-geometric live in :mod:`naspredict.encodings.graph` (imports torch).
"""

from naspredict._registry import Registry
from naspredict.encodings._base import Encoder
from naspredict.encodings._concat import Concat
from naspredict.encodings.graf import GraphFeatures
from naspredict.encodings.onehot import OneHot
from naspredict.encodings.path import PathEncoding
from naspredict.encodings.table_features import TableFeatures
from naspredict.encodings.zero_cost import ZeroCostFeatures, all_zero_cost_features

__all__ = [
    "ENCODERS",
    "Concat",
    "Encoder",
    "GraphFeatures",
    "OneHot",
    "PathEncoding",
    "TableFeatures",
    "ZeroCostFeatures",
    "all_zero_cost_features",
    "get_encoder",
]

ENCODERS: Registry[type[Encoder]] = Registry("encoding")
for _cls in (OneHot, PathEncoding, GraphFeatures, ZeroCostFeatures):
    ENCODERS.register(_cls.name)(_cls)


def get_encoder(encoding: str | Encoder) -> Encoder:
    """An encoder from its name, or ``"a+b"`` for a concatenation; objects pass through."""
    if isinstance(encoding, Encoder):
        return encoding
    parts = [ENCODERS.get(name.strip())() for name in encoding.split("+")]
    return parts[0] if len(parts) == 1 else Concat(tuple(parts))
