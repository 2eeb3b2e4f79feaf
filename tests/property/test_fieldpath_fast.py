"""The fast field lookups answer exactly as the plain recursive definition does, on arbitrary records."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from logpipe import shape
from logpipe.fieldpath import first_present, lookup
from logpipe.shape import nest, nest_by_key


def reference_lookup(record: Mapping[str, Any], path: str) -> Any:
    if path in record:
        return record[path]
    if "." not in path:
        return None
    head, _, tail = path.partition(".")
    inner = record.get(head)
    if isinstance(inner, Mapping):
        return reference_lookup(inner, tail)
    for key, value in record.items():
        if isinstance(value, Mapping) and path.startswith(key + "."):
            found = reference_lookup(value, path[len(key) + 1 :])
            if found is not None:
                return found
    return None


def reference_first_present(record: Mapping[str, Any], paths: Iterable[str]) -> tuple[Any, Any]:
    for path in paths:
        value = reference_lookup(record, path)
        if value is None or value == "" or isinstance(value, Mapping | list):
            continue
        return path, value
    return None, None


def reference_nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        if "." not in key:
            if isinstance(out.get(key), dict):
                out[key]["value"] = value
            else:
                out[key] = value
            continue
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {} if child is None else {"value": child}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return out


segments = st.sampled_from(["a", "b", "trace", "id", "app.kubernetes.io", "x.y", "", "name"])
keys = st.lists(segments, min_size=1, max_size=3).map(".".join)
scalars = st.one_of(
    st.none(), st.just(""), st.text(max_size=3), st.integers(), st.booleans(), st.floats(allow_nan=False)
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=2), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=8,
)
records = st.dictionaries(keys, values, max_size=6)


@settings(max_examples=300, deadline=None)
@given(records, st.lists(keys, max_size=6))
def test_lookup_and_first_present_match_the_definition(record: dict[str, Any], paths: list[str]) -> None:
    for path in paths:
        assert lookup(record, path) == reference_lookup(record, path)
    assert first_present(record, paths) == reference_first_present(record, paths)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(keys, st.one_of(scalars, st.dictionaries(keys, scalars, max_size=2)), max_size=8))
def test_nest_matches_the_definition(flat: dict[str, Any]) -> None:
    # Key order included: it is the order of the serialised document.
    expected = json.dumps(reference_nest(copy.deepcopy(flat)))
    assert json.dumps(nest_by_key(copy.deepcopy(flat))) == expected
    for _ in range(shape._BUILD_AFTER + 1):  # key by key at first, then the shape's generated builder
        assert json.dumps(nest(copy.deepcopy(flat))) == expected


def test_path_ending_in_a_dot_reaches_the_empty_key_of_the_object() -> None:
    # Found by the property test above: "b." is b -> "" (lookup agreed; first_present took it for dotless).
    record = {"a": None, "b": {"": "0"}}
    assert lookup(record, "b.") == "0"
    assert first_present(record, ["b."]) == ("b.", "0")


_ANY_KEYS = st.lists(st.text(max_size=6), min_size=1, max_size=3).map(".".join)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_ANY_KEYS, scalars, min_size=1, max_size=6))
def test_generated_nest_builders_take_any_key_text(flat: dict[str, Any]) -> None:
    # Quotes, backslashes, newlines, NULs, surrogates: keys are embedded with repr(), never as code.
    expected = json.dumps(reference_nest(copy.deepcopy(flat)))
    for _ in range(shape._BUILD_AFTER + 1):
        assert json.dumps(nest(copy.deepcopy(flat))) == expected
