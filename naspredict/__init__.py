"""naspredict: predict how well a neural architecture performs without training it.

Subpackages, in the direction data flows: :mod:`naspredict.spaces` (architectures as strings),
:mod:`naspredict.benchmark_data` (tables of trained results and their readers),
:mod:`naspredict.encodings` (features and graphs), :mod:`naspredict.predictors` (scikit-learn
estimators, GNNs, zero-cost proxies), :mod:`naspredict.evaluation` (published protocols) and
:mod:`naspredict.search` (strategies simulated on a table). :mod:`naspredict.networks` builds
the PyTorch networks of the spaces for :mod:`naspredict.trainer` and the proxies.
"""

__version__ = "0.1.0"
