"""Graph neural network predictors on torch-geometric (imports torch).

>>> from naspredict.predictors.gnn import FlowPredictor
>>> model = FlowPredictor(space="nb201", epochs=5)  # fit(archs, y), predict(archs)
"""

from naspredict.predictors.gnn._estimators import FlowPredictor, GINPredictor
from naspredict.predictors.gnn._models import FlowConv, FlowRegressor, GINRegressor

__all__ = ["FlowConv", "FlowPredictor", "FlowRegressor", "GINPredictor", "GINRegressor"]
