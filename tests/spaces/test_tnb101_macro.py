"""TransNAS-Bench-101 macro skeletons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from naspredict.errors import InvalidArchitectureError
from naspredict.spaces import TNB101MacroSpace, get_space


def test_size_and_constraints():
    space = get_space("tnb101-macro")
    archs = space.all_archs()
    assert len(archs) == len(set(archs)) == 3_256
    assert space.n_classes == 3_256
    for arch in archs:
        ops = space.parse(arch)
        assert 4 <= len(ops) <= 6
        assert 1 <= sum(o in (3, 4) for o in ops) <= 4
        assert 1 <= sum(o in (2, 4) for o in ops) <= 3


def test_archs_match_the_benchmark_file(shared):
    frame = pd.read_csv(shared / "tnb101" / "tnb101_macro_class_scene.csv")
    assert set(frame["arch"]) == set(get_space("tnb101-macro").all_archs())


def test_neighbours_are_one_edit_away():
    space = TNB101MacroSpace()
    nbrs = space.neighbours("64-4111-basic")
    assert "64-4112-basic" in nbrs  # change
    assert "64-41121-basic" in nbrs  # insertion
    assert "64-411-basic" not in nbrs  # deletion to 3 modules is outside the space
    assert "64-1111-basic" not in nbrs  # no doubling and no downsampling left
    for nbr in nbrs:
        assert space.is_valid(nbr) and nbr != "64-4111-basic"
    assert "64-2311-basic" in space.neighbours("64-23111-basic")  # deletion


def test_sample_and_canonical():
    space = TNB101MacroSpace()
    for arch in space.sample(np.random.default_rng(0), 50):
        assert space.canonical(arch) == arch


@pytest.mark.parametrize(
    ("arch", "message"),
    [
        ("64-111-basic", "4 to 6 modules, got 3"),
        ("64-1111111-basic", "4 to 6 modules, got 7"),
        ("64-4151-basic", "unknown tnb101-macro module 5"),
        ("64-1121-basic", "1 to 4 downsamplings"),
        ("64-3311-basic", "1 to 3 channel doublings"),
        ("64-4444-basic", "1 to 3 channel doublings"),
        ("32-4111-basic", "64-<digits>-basic"),
        ("64-4111-wide", "64-<digits>-basic"),
        ("64-\u0664\u0661\u0661\u0661-basic", "64-<digits>-basic"),  # Arabic-Indic 4111
    ],
)
def test_errors_name_the_problem(arch, message):
    with pytest.raises(InvalidArchitectureError) as info:
        TNB101MacroSpace().parse(arch)
    assert message in str(info.value)
