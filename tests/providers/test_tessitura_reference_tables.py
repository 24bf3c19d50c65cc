"""Tessitura reference tables as the Prospect2 kinds see them, read from the small seed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from provider_support import TESSITURA_ENV, EmulatorControl

from engine.errors import CallboardError, ProviderError
from engine.providers import ProviderContext
from providers.tessitura.provider import TessituraProvider
from providers.tessitura.reference import perf_indicator_code, perf_indicator_word

pytestmark = pytest.mark.anyio


def tessitura(transport: httpx.AsyncBaseTransport) -> TessituraProvider:
    return TessituraProvider(ProviderContext(env=TESSITURA_ENV, transport=transport))


@pytest.fixture
async def provider(transport: httpx.ASGITransport) -> AsyncIterator[TessituraProvider]:
    served = tessitura(transport)
    yield served
    await served.aclose()


async def rows_of(provider: TessituraProvider, table: str) -> dict[int, tuple[str, dict]]:
    return {row.id: (row.description, row.data) for row in await provider.reference(table)}


EXPECTED = {
    "tessitura.contact_types": {1: ("E-mail", {}), 2: ("Phone", {}), 3: ("Letter", {})},
    "tessitura.activity_categories": {
        1: ("Customer Service", {"auto_close": False}),
        2: ("Feedback Received", {"auto_close": True}),
        3: ("Ticketing", {"auto_close": False}),
    },
    "tessitura.activity_types": {
        10: ("Patron Feedback",
             {"category_id": 1, "perf_ind": "none", "origin_ids": []}),
        11: ("Performance Feedback",
             {"category_id": 1, "perf_ind": "Performance", "origin_ids": []}),
        12: ("Package Query",
             {"category_id": 3, "perf_ind": "Package", "origin_ids": []}),
        13: ("Web Inquiry",
             {"category_id": 1, "perf_ind": "none", "origin_ids": [1]}),
        14: ("Survey Reply",
             {"category_id": 2, "perf_ind": "none", "origin_ids": []}),
    },
    "tessitura.origins": {1: ("Website", {"activity_type_id": 13})},
    "tessitura.contact_point_categories": {1: ("Email Address", {}), 2: ("Postal Address", {})},
    "tessitura.contact_point_purposes": {
        1: ("Newsletter", {"category_ids": [1]}),
        2: ("Season Announcements", {"category_ids": [1]}),
        3: ("Mail Appeals", {"category_ids": [2]}),
    },
    "tessitura.eaddress_types": {
        1: ("Primary e-mail", {"is_email": True}),
        2: ("Work e-mail", {"is_email": True}),
        3: ("Website", {"is_email": False}),
    },
    "tessitura.contact_permission_types": {2: ("Email Marketing", {}), 3: ("Phone Calls", {})},
    "tessitura.source_groups": {21: ("Email Marketing", {}), 22: ("Direct Mail", {})},
    "tessitura.media_types": {3: ("Mail", {}), 7: ("E-mail", {})},
}


@pytest.mark.parametrize("table", sorted(EXPECTED))
async def test_reference_table_rows_and_data(provider: TessituraProvider, table: str) -> None:
    assert await rows_of(provider, table) == EXPECTED[table]


async def test_lists_say_dynamic_prospect2_and_size(provider: TessituraProvider) -> None:
    lists = await rows_of(provider, "tessitura.lists")
    assert lists[101][0] == "Members - Current"
    shapes = {list_id: (data["is_dynamic"], data["prospect2"]) for list_id, (_, data)
              in lists.items()}
    assert {k: shapes[k] for k in (101, 102, 103, 104)} == {
        101: (True, True), 102: (True, True), 103: (False, True), 104: (True, False)}
    assert all(isinstance(data["constituent_count"], int) and data["constituent_count"] >= 0
               for _, data in lists.values())
    assert all(set(data) == {"is_dynamic", "prospect2", "constituent_count", "output_set_id"}
               for _, data in lists.values())
    # "Pro2 Member Data" is the default output set of every Prospect2 list (spec §6)
    assert {k: lists[k][1]["output_set_id"] for k in (101, 102, 103, 104, 105)} == {
        101: 31, 102: 31, 103: 31, 104: None, 105: 31}


async def test_output_sets_their_columns_and_a_sample_of_a_lists_values(
        provider: TessituraProvider) -> None:
    """What a Data Sync's contact_data is checked against at plan time."""
    sets = await rows_of(provider, "tessitura.output_sets")
    assert {k: v[0] for k, v in sets.items()} == {31: "Pro2 Member Data", 32: "Patron Names"}
    columns = await provider.reference("tessitura.output_set_columns/31")
    assert [c.description for c in columns] == [
        "Membership Level", "Last Performance Date", "Lifetime Giving"]
    sample = await provider.reference("tessitura.list_results/101/31")
    assert 0 < len(sample) <= 1000
    assert set(sample[0].data) == {"Membership Level", "Last Performance Date",
                                   "Lifetime Giving"}
    with pytest.raises(CallboardError, match="serves no reference table"):
        await provider.reference("tessitura.output_set_columns/x")


async def test_appeals_and_defaults(provider: TessituraProvider) -> None:
    appeals = await rows_of(provider, "tessitura.appeals")
    assert appeals[501] == ("FY27 Subscriptions", {})
    assert appeals[502] == ("FY27 Annual Fund", {})
    retired = {row.id for row in await provider.reference("tessitura.appeals") if row.inactive}
    assert retired == {401}  # FY26 Annual Fund: plans refuse it (Prospect2 offers only active)
    defaults = [row for row in await provider.reference("tessitura.defaults")
                if row.description == "P2DSTrackChanges"]
    assert [row.data for row in defaults] == [{"value": "NO", "parent_table": "Prospect2"}]


async def test_every_declared_table_is_served_in_a_get_or_two(
        provider: TessituraProvider, control: EmulatorControl) -> None:
    with_arguments = {"tessitura.output_set_columns": "tessitura.output_set_columns/31",
                      "tessitura.list_results": "tessitura.list_results/101/31"}
    for name in sorted(provider.reference_tables - {"tessitura.lists"}):
        table = with_arguments.get(name, name)
        before = (await control.http.get("/_emulator/stats")).json()["requests"]
        await provider.reference(table)
        after = (await control.http.get("/_emulator/stats")).json()["requests"]
        calls = sum(after.values()) - sum(before.values())
        assert calls in (1, 2), table


async def test_an_unknown_table_is_refused_with_the_served_ones(
        provider: TessituraProvider) -> None:
    with pytest.raises(CallboardError, match="tessitura.appeals"):
        await provider.reference("tessitura.nope")


@pytest.mark.parametrize(("wire", "word"), [
    ("N", "none"), ("p", "Performance"), ("K", "Package"), ("B", "Package/Performance"),
    ("None", "none"), ("PERFORMANCE", "Performance"), ("package", "Package"),
    ("Package / Performance", "Package/Performance"), ("package/performance",
                                                       "Package/Performance"),
])
def test_perf_indicator_codes_and_words_are_accepted(wire: str, word: str) -> None:
    assert perf_indicator_word(wire, "10 ('Patron Feedback')") == word
    assert perf_indicator_code(word) == {"none": "N", "Performance": "P", "Package": "K",
                                         "Package/Performance": "B"}[word]


class PerfIndicatorRewriting(httpx.AsyncBaseTransport):
    """A Tessitura that spells activity type 12's PerfIndicator its own way."""

    def __init__(self, inner: httpx.AsyncBaseTransport, spelling: str) -> None:
        self.inner, self.spelling = inner, spelling

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/ReferenceData/ActivityTypes"):
            rows = json.loads(await response.aread())
            for row in rows:
                if row["Id"] == 12:
                    row["PerfIndicator"] = self.spelling
            return httpx.Response(200, json=rows, request=request)
        return response


async def test_a_worded_perf_indicator_reads_like_its_code(
        transport: httpx.ASGITransport) -> None:
    provider = tessitura(PerfIndicatorRewriting(transport, "Package/Performance"))
    types = await rows_of(provider, "tessitura.activity_types")
    await provider.aclose()
    assert types[12][1]["perf_ind"] == "Package/Performance"


async def test_an_unknown_perf_indicator_is_refused_naming_the_type(
        transport: httpx.ASGITransport) -> None:
    provider = tessitura(PerfIndicatorRewriting(transport, "X"))
    with pytest.raises(ProviderError, match=r"activity type 12 \('Package Query'\).*'X'"):
        await provider.reference("tessitura.activity_types")
    await provider.aclose()
