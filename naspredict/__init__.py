"""naspredict: predict how well a neural architecture performs without training it.

Subpackages, in the direction data flows: :mod:`naspredict.spaces` (architectures),
:mod:`naspredict.benchmark_data` (tables of trained results).
"""

__version__ = "0.1.0"
