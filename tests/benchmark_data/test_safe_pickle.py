"""The restricted unpickler admits containers and arrays, and nothing else."""

from __future__ import annotations

import bz2
import collections
import pickle

import numpy as np
import pytest

from naspredict.benchmark_data import _safe_pickle, load_pickle
from naspredict.errors import BenchmarkFormatError, UnsafePickleError


def dump(tmp_path, obj, protocol=4):
    path = tmp_path / "x.pickle"
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    return path


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_containers_and_arrays_load(tmp_path, protocol):
    obj = {
        "a": collections.OrderedDict(b=[1.0, np.float64(2.5)]),
        "arr": np.arange(6.0).reshape(2, 3),
        "s": {1, 2},
        ("t", 1): None,
    }
    back = load_pickle(dump(tmp_path, obj, protocol))
    assert back["a"] == obj["a"] and back["s"] == {1, 2} and back[("t", 1)] is None
    np.testing.assert_array_equal(back["arr"], obj["arr"])


@pytest.mark.parametrize(
    "obj",
    [collections.Counter(a=1), print, np.random.default_rng(0)],
    ids=["Counter", "builtin", "Generator"],
)
def test_other_globals_are_refused(tmp_path, obj):
    with pytest.raises(UnsafePickleError, match="refusing to load"):
        load_pickle(dump(tmp_path, obj))


def test_an_allow_list_narrows_what_loads(tmp_path):
    path = dump(tmp_path, collections.OrderedDict(a=1))
    assert load_pickle(path, [("collections", "OrderedDict")]) == {"a": 1}
    with pytest.raises(UnsafePickleError, match=r"collections\.OrderedDict"):
        load_pickle(path, [])


@pytest.mark.parametrize(
    "raw",
    [
        b"hello",
        # _codecs.encode("a", "nope"): a global the format admits, called with no such codec
        b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x04\x00\x00\x00nope\x86R.",
    ],
    ids=["text", "unknown-codec"],
)
def test_not_a_pickle(tmp_path, raw):
    path = tmp_path / "x.pickle"
    path.write_bytes(raw)
    with pytest.raises(BenchmarkFormatError, match="not a readable pickle"):
        load_pickle(path)


def test_an_array_of_a_shape_the_file_chooses_is_refused(tmp_path):
    # _reconstruct(ndarray, (1_000_000,), b"b"): NumPy's pickles only ever pass (0,)
    path = tmp_path / "x.pickle"
    path.write_bytes(
        b"\x80\x03cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
        b"J\x40\x42\x0f\x00\x85C\x01b\x87R."
    )
    with pytest.raises(BenchmarkFormatError, match=r"an array pickled as ndarray of shape"):
        load_pickle(path)


def test_bz2_streams_load_and_a_bomb_or_a_truncated_file_is_refused(tmp_path, monkeypatch):
    data = pickle.dumps({"a": np.arange(1000.0)})
    path = tmp_path / "x.pickle.pbz2"
    path.write_bytes(bz2.compress(data[:50]) + bz2.compress(data[50:]))  # two streams
    np.testing.assert_array_equal(load_pickle(path)["a"], np.arange(1000.0))
    path.write_bytes(bz2.compress(data)[:-20])
    with pytest.raises(BenchmarkFormatError, match="not a readable pickle"):
        load_pickle(path)
    monkeypatch.setattr(_safe_pickle, "_BZ2_FLOOR", 10_000)
    path.write_bytes(bz2.compress(bytes(1_000_000)))  # 1 MB of zeros in 48 bytes
    with pytest.raises(BenchmarkFormatError, match="decompresses to more than 10,000 bytes"):
        load_pickle(path)
