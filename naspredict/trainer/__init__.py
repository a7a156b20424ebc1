"""Train the exact NB201 networks, many cells at once on a GPU, into a benchmark table.

>>> from naspredict.trainer import PROTOCOLS, generate_table, load_training_data, select_archs
>>> data = load_training_data("fashion-mnist")                         # doctest: +SKIP
>>> generate_table(select_archs("sample:64"), data, PROTOCOLS.get("fast"),
...                "nb201_fashion.parquet")                            # doctest: +SKIP
"""

from naspredict.trainer._data import (
    TRAIN_DATASETS,
    SplitData,
    TrainingData,
    load_training_data,
)
from naspredict.trainer._generate import generate_table, select_archs
from naspredict.trainer._protocol import PROTOCOLS, TrainingProtocol
from naspredict.trainer._train import cell_seed, default_device, train_cells

__all__ = [
    "PROTOCOLS",
    "TRAIN_DATASETS",
    "SplitData",
    "TrainingData",
    "TrainingProtocol",
    "cell_seed",
    "default_device",
    "generate_table",
    "load_training_data",
    "select_archs",
    "train_cells",
]
