"""Predictors: scikit-learn estimators from architectures to a metric.

>>> from naspredict.predictors import make_predictor
>>> model = make_predictor("xgb", space="nb201")          # doctest: +SKIP
>>> model.fit(train_archs, train_acc).predict(test_archs)  # doctest: +SKIP

CLI names: ``default`` (:class:`DefaultPredictor`, XGBoost, shallow on up to 500 training
cells, and extra trees on structure and zero-cost features, with a Gaussian process where
cross-validation finds it helps up to 1,000 training cells and a pre-trained GNN's prediction
weighted 0.2, on more cells the mean of three such GNNs weighted 0.5, predicting each
network's mean), ``default-trees`` (the trees alone), ``default-trees+gnn`` (the trees and one
GNN weighted 0.2 at every size), ``default-trees+3gnn`` (the trees and the mean of three GNNs,
half and half, at every size), ``xgb``, ``xgb-rank``, ``rf``, ``gp``, ``mlp``,
``linear``, ``gin``, ``flow`` (also ``gnn``), ``gin-pretrained`` and ``flow-pretrained``
(pre-trained on the zero-cost scores of every architecture of the space before fitting), and
``zc:PROXY`` for a zero-cost proxy (``zc:synflow``); ``NAME@ENCODING`` picks the encoding
(``xgb@onehot``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from naspredict._registry import Registry, match_name
from naspredict.encodings import get_encoder
from naspredict.errors import InvalidOptionError
from naspredict.predictors._base import PRECOMPUTED, ArchPredictor
from naspredict.predictors._default import GNN_PRETRAIN_EPOCHS, DefaultPredictor
from naspredict.predictors._persistence import (
    check_save_directory,
    load_predictor,
    read_manifest,
    save_predictor,
)
from naspredict.predictors._sklearn_models import (
    GaussianProcessPredictor,
    LinearPredictor,
    MLPEnsemblePredictor,
    RandomForestPredictor,
)
from naspredict.predictors._tuning import cv_kendall_tau, tune
from naspredict.predictors._xgboost import XGBPredictor

__all__ = [
    "PRECOMPUTED",
    "PREDICTORS",
    "PREDICTOR_CLASSES",
    "ArchPredictor",
    "DefaultPredictor",
    "GaussianProcessPredictor",
    "LinearPredictor",
    "MLPEnsemblePredictor",
    "RandomForestPredictor",
    "XGBPredictor",
    "check_save_directory",
    "cv_kendall_tau",
    "load_predictor",
    "make_predictor",
    "predictor_name",
    "read_manifest",
    "save_predictor",
    "tune",
]


def _gnn(name: str, **defaults: Any) -> Callable[..., ArchPredictor]:
    def build(**params: Any) -> ArchPredictor:
        from naspredict.predictors import gnn  # torch-geometric loads only when asked for

        return getattr(gnn, name)(**{**defaults, **params})

    return build


#: CLI name -> factory taking keyword parameters.
PREDICTORS: Registry[Callable[..., ArchPredictor]] = Registry("predictor")
PREDICTORS.register("default")(DefaultPredictor)
PREDICTORS.register("xgb")(XGBPredictor)
PREDICTORS.register("xgb-rank")(lambda **p: XGBPredictor(**{"objective": "rank", **p}))
PREDICTORS.register("rf")(RandomForestPredictor)
PREDICTORS.register("gp")(GaussianProcessPredictor)
PREDICTORS.register("mlp")(MLPEnsemblePredictor)
PREDICTORS.register("linear")(LinearPredictor)
PREDICTORS.register("gin")(_gnn("GINPredictor"))
PREDICTORS.register("flow")(_gnn("FlowPredictor"))
PREDICTORS.register("gnn")(_gnn("FlowPredictor"))  # the best GNN, under the generic name
PREDICTORS.register("gin-pretrained")(_gnn("GINPredictor", pretrain_epochs=GNN_PRETRAIN_EPOCHS))
PREDICTORS.register("flow-pretrained")(_gnn("FlowPredictor", pretrain_epochs=GNN_PRETRAIN_EPOCHS))
PREDICTORS.register("default-trees")(
    lambda **p: DefaultPredictor(**{"gp_weight": 0.0, "gnn_weight": 0.0, **p})
)
PREDICTORS.register("default-trees+gnn")(
    lambda **p: DefaultPredictor(**{"gp_weight": 0.0, "gnn_weight": 0.2, "gnn_models": 1, **p})
)
PREDICTORS.register("default-trees+3gnn")(
    lambda **p: DefaultPredictor(**{"gp_weight": 0.0, "gnn_weight": 0.5, "gnn_models": 3, **p})
)


def _predictor_classes() -> dict[str, type[ArchPredictor]]:
    from naspredict.predictors import gnn

    classes = [
        DefaultPredictor,
        XGBPredictor,
        RandomForestPredictor,
        GaussianProcessPredictor,
        MLPEnsemblePredictor,
        LinearPredictor,
        gnn.GINPredictor,
        gnn.FlowPredictor,
    ]
    return {cls.__name__: cls for cls in classes}


def __getattr__(name: str) -> Any:
    # PREDICTOR_CLASSES imports torch-geometric, so it is built on first use
    if name == "PREDICTOR_CLASSES":
        return _predictor_classes()
    raise AttributeError(name)


def predictor_name(name: str) -> str:
    """``name`` as :func:`make_predictor` spells it (``XGB@OneHot`` -> ``xgb@OneHot``,
    ``ZC:SynFlow`` -> ``zc:synflow``): names that make one predictor are one name. An unknown
    name is kept as given, for :func:`make_predictor` to refuse."""
    if name[:3].casefold() == "zc:":
        from naspredict.predictors.zero_cost import PROXIES

        return "zc:" + (match_name(name[3:], PROXIES.names()) or name[3:])
    base, at, encoding = name.partition("@")
    return (match_name(base, PREDICTORS.names()) or base) + at + encoding


def make_predictor(name: str, *, space: str, **params: Any) -> ArchPredictor:
    """The predictor registered as ``name`` (``NAME@ENCODING`` sets the encoding;
    ``zc:PROXY`` is :class:`~naspredict.predictors.zero_cost.ZeroCostPredictor`; names
    regardless of case)."""
    if name[:3].casefold() == "zc:":
        from naspredict.predictors.zero_cost import ZeroCostPredictor, get_proxy

        proxy = get_proxy(name[3:]).name  # an unknown proxy fails now, listing the valid ones
        return ZeroCostPredictor(proxy=proxy, space=space, **params)
    name, _, encoding = name.partition("@")
    predictor = PREDICTORS.get(name)(space=space, **params)
    if encoding:
        if "encoding" not in predictor.get_params():
            raise InvalidOptionError(f"{name} takes no encoding: use {name}, not {name}@{encoding}")
        if encoding != PRECOMPUTED:
            get_encoder(encoding)  # an unknown encoding fails now, not at the first fit
        predictor.set_params(encoding=encoding)
    return predictor
