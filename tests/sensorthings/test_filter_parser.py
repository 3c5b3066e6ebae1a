"""The $filter parser: what frost-sta-client and typical clients send, and what it refuses."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riverchief.sensorthings import filtering as f
from riverchief.sensorthings import options


def test_a_comparison_with_a_string_literal_and_escaped_quote():
    assert f.parse("name eq 'O''Brien station'") == f.Compare(
        "eq", f.Path(("name",)), f.Literal("string", "O'Brien station")
    )


def test_and_binds_tighter_than_or_and_not_binds_tightest():
    a = f.Compare("gt", f.Path(("result",)), f.Literal("number", 5))
    b = f.Compare("lt", f.Path(("result",)), f.Literal("number", 9.5))
    c = f.Compare("eq", f.Path(("Datastream", "@iot.id")), f.Literal("number", 3))
    assert f.parse("result gt 5 or result lt 9.5 and Datastream/@iot.id eq 3") == f.Or(
        a, f.And(b, c)
    )
    assert f.parse("(result gt 5 or result lt 9.5) and Datastream/@iot.id eq 3") == f.And(
        f.Or(a, b), c
    )
    assert f.parse("not result gt 5 and result lt 9.5") == f.And(f.Not(a), b)


def test_keywords_are_case_insensitive_and_paths_keep_their_case():
    tree = f.parse("phenomenonTime GE 2024-05-01T10:00:00+08:00 AND properties/section_code EQ 'X'")
    assert tree == f.And(
        f.Compare(
            "ge", f.Path(("phenomenonTime",)), f.Literal("datetime", "2024-05-01T10:00:00+08:00")
        ),
        f.Compare("eq", f.Path(("properties", "section_code")), f.Literal("string", "X")),
    )


def test_literals_of_every_kind():
    assert f.parse("result eq -1.5e3").right == f.Literal("number", -1500.0)
    assert f.parse("result eq true").right == f.Literal("bool", True)
    assert f.parse("resultTime eq null").right == f.Literal("null", None)
    assert f.parse("phenomenonTime lt 2024-05-01").right == f.Literal("datetime", "2024-05-01")
    assert f.parse("phenomenonTime lt 2024-05-01T10:00Z").right.kind == "datetime"


@pytest.mark.parametrize(
    "text",
    [
        "substringof('x', name)",
        "year(phenomenonTime) eq 2024",
        "result add 1 gt 5",
        "geo.intersects(location, geography'POLYGON((0 0,1 0,1 1,0 0))')",
        "(result gt 1) eq true",
    ],
)
def test_functions_arithmetic_and_geography_are_unsupported_501(text):
    with pytest.raises(f.Unsupported) as caught:
        f.parse(text)
    assert caught.value.status == 501


@pytest.mark.parametrize(
    "text",
    [
        "",
        "name eq",
        "name eq 'open",
        "name 'x'",
        "(name eq 'x'",
        "name eq 'x')",
        "name eq 'x' name",
        "eq eq 1",
        "name ~ 1",
        "name eq and",
    ],
)
def test_malformed_filters_are_400(text):
    with pytest.raises(f.FilterError) as caught:
        f.parse(text)
    assert caught.value.status == 400
    assert not isinstance(caught.value, f.Unsupported)


def test_too_deep_nesting_is_refused_not_a_recursion_error():
    with pytest.raises(f.FilterError):
        f.parse("(" * 200 + "a eq 1" + ")" * 200)


# --- hypothesis: printing a tree and parsing it back gives the same tree ----------------------

_names = st.sampled_from(["name", "result", "phenomenonTime", "id", "@iot.id", "description"])
paths = st.lists(_names, min_size=1, max_size=3).map(lambda parts: f.Path(tuple(parts)))
literals = st.one_of(
    st.text(max_size=12).map(lambda s: f.Literal("string", s)),
    st.integers(-(10**9), 10**9).map(lambda n: f.Literal("number", n)),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f.Literal("number", x)),
    st.booleans().map(lambda b: f.Literal("bool", b)),
    st.just(f.Literal("null", None)),
    st.datetimes(min_value=datetime.datetime(1000, 1, 1)).map(
        lambda d: f.Literal("datetime", d.strftime("%Y-%m-%dT%H:%M:%SZ"))
    ),
)
comparisons = st.builds(f.Compare, st.sampled_from(f.COMPARISONS), paths, literals)
trees = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.builds(f.And, inner, inner), st.builds(f.Or, inner, inner), st.builds(f.Not, inner)
    ),
    max_leaves=12,
)


# The machine is shared: slow generation is load, not a slow strategy.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(trees)
def test_printing_then_parsing_round_trips(tree):
    assert f.parse(f.to_text(tree)) == tree


# --- the other options ------------------------------------------------------------------------


def test_orderby_accepts_upper_case_desc_as_frost_sends_it():
    assert options.parse_orderby("id DESC, phenomenonTime") == [
        (("id",), True),
        (("phenomenonTime",), False),
    ]


def test_expand_with_nested_options_and_paths():
    tree = options.parse_expand(
        "Datastreams($filter=name eq 'a;b';$top=2;$expand=Observations($top=1))/Sensor,Locations"
    )
    assert [e.name for e in tree] == ["Datastreams", "Locations"]
    assert tree[0].options == {
        "$filter": "name eq 'a;b'",
        "$top": "2",
        "$expand": "Observations($top=1)",
    }
    assert [c.name for c in tree[0].children] == ["Sensor"]


def test_expand_with_an_unknown_option_is_501():
    with pytest.raises(f.Unsupported):
        options.parse_expand("Datastreams($levels=2)")


def test_resource_paths_with_numeric_and_quoted_keys():
    assert options.parse_path("Datastreams(12)/Observations") == [
        options.Segment("Datastreams", 12),
        options.Segment("Observations"),
    ]
    assert options.parse_path("Things('a''b')") == [options.Segment("Things", "a'b")]
    with pytest.raises(f.FilterError):
        options.parse_path("Things(1")
