"""A JSON array read as its bytes arrive gives exactly ``json.loads``'s elements, however
the bytes are cut (mid-number, mid-string, mid-UTF-8 character), and refuses what is not a
whole array."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.http.json_stream import ArrayReader

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=6),
                    st.floats(allow_nan=False, allow_infinity=False))
elements = st.one_of(scalars, st.dictionaries(st.text(max_size=4), scalars, max_size=3))


def _read(raw: bytes, cuts: list[int]) -> list[object]:
    reader = ArrayReader()
    found: list[object] = []
    at = 0
    for cut in sorted(set(cuts)):
        found += reader.feed(raw[at:cut])
        at = cut
    found += reader.feed(raw[at:])
    return found + reader.close()


@settings(max_examples=200)
@given(st.lists(elements, max_size=12), st.data(), st.booleans())
def test_elements_come_out_as_json_loads_reads_them(values: list[object], data: st.DataObject,
                                                    spaced: bool) -> None:
    raw = json.dumps(values, indent=1 if spaced else None, ensure_ascii=False).encode()
    cuts = data.draw(st.lists(st.integers(0, len(raw)), max_size=8))
    assert _read(raw, cuts) == json.loads(raw)


@pytest.mark.parametrize("raw", [b'{"a": 1}', b"[1, 2", b'[{"a": 1}', b"[1] 2", b"", b"[1,"])
def test_what_is_not_one_whole_array_is_refused(raw: bytes) -> None:
    with pytest.raises(ValueError):
        _read(raw, [len(raw) // 2])
