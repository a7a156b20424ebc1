"""SWAP (Peng et al., 2024): number of distinct sample-wise activation patterns."""

import numpy as np

from naspredict.predictors.zero_cost._base import proxy


@proxy("swap", needs=("relu",), standard=False)
def swap(passes) -> float:
    """Number of distinct columns of the (images x ReLU units) sign matrix: units whose
    on/off pattern over the minibatch differs (SWAP without its size regulariser)."""
    bits = passes.relu_bits().T.contiguous().cpu().numpy()  # (units, images)
    packed = np.packbits(bits, axis=1)  # one row of bytes per unit
    pad = -packed.shape[1] % 8
    if pad:
        packed = np.pad(packed, ((0, 0), (0, pad)))
    words = np.ascontiguousarray(packed).view(np.uint64)  # (units, images / 64)
    if words.shape[1] == 1:
        return float(len(np.unique(words[:, 0])))
    return float(len(np.unique(words, axis=0)))
