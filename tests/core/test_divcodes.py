"""Statistical division codes: parsing, levels, and subtree ranges, checked against brute force."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riverchief.core import divcodes
from riverchief.core.divcodes import Level


def test_known_codes_of_jiang_county():
    assert divcodes.normalize("140826") == "140826000000"
    assert divcodes.level_of("140826000000") is Level.COUNTY
    assert divcodes.level_of("140826101") is Level.TOWNSHIP
    assert divcodes.level_of("140826101201") is Level.VILLAGE
    assert divcodes.short("140826101000") == "140826101"
    assert divcodes.parent("140826101201") == "140826101000"
    assert divcodes.parent("140826000000") == "140800000000"
    assert divcodes.parent("140000000000") is None
    assert divcodes.ancestors("140826101201") == [
        "140000000000",
        "140800000000",
        "140826000000",
        "140826101000",
    ]


def test_the_county_of_a_division_is_the_ancestor_at_county_level():
    assert divcodes.county_code("140826101201") == "140826000000"
    assert divcodes.county_code("140826101") == "140826000000"
    assert divcodes.county_code("140826") == "140826000000"
    assert divcodes.county_code("140800000000") == "140800000000"  # above a county: itself
    for code in ("140826101201", "990121100201"):
        counties = [c for c in divcodes.ancestors(code) if divcodes.level_of(c) is Level.COUNTY]
        assert divcodes.county_code(code) == counties[0]


@pytest.mark.parametrize("bad", ["", "14a826", "1408261", "00", "１４０８２６", "1408260000000"])
def test_invalid_codes_are_refused_with_a_reason(bad):
    with pytest.raises(divcodes.InvalidCode):
        divcodes.normalize(bad)


def _part(width: int):
    return st.integers(min_value=0, max_value=10**width - 1).map(lambda n: str(n).zfill(width))


codes = st.tuples(
    st.integers(min_value=11, max_value=99).map(str), _part(2), _part(2), _part(3), _part(3)
).map(lambda parts: "".join(parts))


@given(codes, codes)
def test_subtree_range_matches_the_prefix_definition(outer, inner):
    """A code lies in a subtree exactly when it starts with the subtree's significant digits."""
    expected = inner.startswith(divcodes.short(outer))
    assert divcodes.contains(outer, inner) == expected


@given(codes)
def test_every_ancestor_contains_the_code(code):
    for ancestor in divcodes.ancestors(code):
        assert divcodes.contains(ancestor, code)
        assert divcodes.level_of(ancestor) < divcodes.level_of(code)
