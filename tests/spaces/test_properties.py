"""Property tests: round trips, and arbitrary strings never crash the parsers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from naspredict.errors import InvalidArchitectureError
from naspredict.spaces import SPACES, detect_space, get_space

SPACE_NAMES = SPACES.names()


@st.composite
def codes(draw, name: str) -> int:
    return draw(st.integers(0, len(get_space(name)) - 1))


@pytest.mark.parametrize("name", SPACE_NAMES)
@given(data=st.data())
def test_format_parse_round_trip(name, data):
    space = get_space(name)
    code = data.draw(codes(name))
    arch = space.archs_from_codes([code])[0]
    ops = space.parse(arch)
    assert space.format(ops) == arch
    assert space.codes([arch])[0] == code
    assert detect_space(arch) is space
    assert space.is_valid(space.canonical(arch))
    assert all(space.is_valid(n) for n in space.neighbours(arch))


ARCH_ALPHABET = st.sampled_from(
    [*list("|+~_-0123456789abcdenorsvkiptlx "), "none", "skip_connect", "nor_conv_3x3", "basic"]
)


@pytest.mark.parametrize("name", SPACE_NAMES)
@settings(max_examples=300)
@given(text=st.one_of(st.text(max_size=80), st.lists(ARCH_ALPHABET, max_size=30).map("".join)))
def test_arbitrary_strings_are_valid_or_a_clear_error(name, text):
    space = get_space(name)
    try:
        ops = space.parse(text)
    except InvalidArchitectureError as err:
        assert str(err)
    else:
        assert space.parse(space.format(ops)) == ops


@pytest.mark.parametrize("name", SPACE_NAMES)
@given(value=st.one_of(st.none(), st.integers(), st.floats(), st.lists(st.integers(), max_size=7)))
def test_non_strings_are_a_clear_error(name, value):
    with pytest.raises(InvalidArchitectureError):
        get_space(name).parse(value)


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_codes_take_only_a_flat_list_of_strings(name):
    space = get_space(name)
    arch = space.all_archs()[0]
    with pytest.raises(InvalidArchitectureError, match="1-D list"):
        space.codes(np.array([[arch]]))  # a scikit-learn style column
    for archs in ([[arch]], [{arch}], [arch, {"arch": arch}]):
        with pytest.raises(InvalidArchitectureError, match="must be a string"):
            space.codes(archs)


def test_detect_space_names_what_the_user_wrote():
    with pytest.raises(InvalidArchitectureError, match=r"^'1' is not an architecture of any"):
        detect_space(np.int64(1))  # a numeric arch column, as pandas reads it
