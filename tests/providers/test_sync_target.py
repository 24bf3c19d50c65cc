"""The Prospect2 tag target a Data Sync run uses: bulk-import tagging, confirmation, rejected
contacts, rate limits, association reads and removals, and what each costs in requests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from provider_support import FAST_RETRY, PROSPECT2_ENV, EmulatorControl

from engine.errors import ProviderError
from engine.sync.ports import TAG_TARGET_PORT, ImportContact
from providers.prospect2.client import Prospect2Client
from providers.prospect2.ports import PORTS
from providers.prospect2.sync_target import ImportWindow, Prospect2TagTarget

pytestmark = pytest.mark.anyio


def _client(transport: httpx.AsyncBaseTransport) -> Prospect2Client:
    return Prospect2Client(PROSPECT2_ENV["PROSPECT2_URL"], PROSPECT2_ENV["PROSPECT2_API_TOKEN"],
                           transport=transport, rate_per_second=1000, retry=FAST_RETRY)


@pytest.fixture
async def target(transport: httpx.ASGITransport) -> AsyncIterator[Prospect2TagTarget]:
    client = _client(transport)
    yield PORTS[TAG_TARGET_PORT](client)
    await client.aclose()


def _people(count: int, start: int = 0) -> list[ImportContact]:
    return [ImportContact(f"sync{n}@example.net", "Ada", f"Number{n}")
            for n in range(start, start + count)]


async def _stats(control: EmulatorControl) -> dict[str, int]:
    return (await control.http.get("/_emulator/stats")).json()["requests"]


async def _import_all(target: Prospect2TagTarget, people: list[ImportContact], tag: str
                      ) -> dict[str, str]:
    accepted: dict[str, str] = {}
    for start in range(0, len(people), 250):
        outcome = await target.import_tagged(people[start:start + 250], tag,
                                             trigger_automations=False, trigger_webhooks=False)
        accepted |= outcome.accepted
    return accepted


async def test_import_tags_new_contacts_creating_the_tag_and_confirms_each(
        target: Prospect2TagTarget, control: EmulatorControl) -> None:
    outcome = await target.import_tagged(_people(3), "Members Sync", trigger_automations=False,
                                         trigger_webhooks=True)
    assert outcome.batch_id and not outcome.rejected
    assert set(outcome.accepted) == {f"sync{n}@example.net" for n in range(3)}
    stats = await _stats(control)
    assert stats["POST /api/3/import/bulk_import"] == 1
    assert stats["GET /api/3/import/info"] == 1
    info = (await control.http.get("/api/3/import/info", params={"batchId": outcome.batch_id},
                                   headers={"Api-Token": "emulator-token"})).json()
    assert info["exclude_automations"] is True  # trigger_automations=False reached the wire
    found = await target.find_association("SYNC1@example.net", "members sync")
    assert found is not None and found.contact_id == outcome.accepted["sync1@example.net"]


async def test_trigger_automations_means_automations_are_not_excluded(
        target: Prospect2TagTarget, control: EmulatorControl) -> None:
    outcome = await target.import_tagged(_people(1), "T", trigger_automations=True,
                                         trigger_webhooks=False)
    info = (await control.http.get("/api/3/import/info", params={"batchId": outcome.batch_id},
                                   headers={"Api-Token": "emulator-token"})).json()
    assert info["exclude_automations"] is False


async def test_rejected_contacts_carry_the_reason_and_the_rest_are_tagged(
        target: Prospect2TagTarget) -> None:
    people = [*_people(2), ImportContact("no-at-sign"), ImportContact("bad@nodot")]
    outcome = await target.import_tagged(people, "Members Sync", trigger_automations=False,
                                         trigger_webhooks=False)
    assert set(outcome.accepted) == {"sync0@example.net", "sync1@example.net"}
    assert set(outcome.rejected) == {"no-at-sign", "bad@nodot"}
    assert "incorrect format" in outcome.rejected["no-at-sign"]  # the 400's failureReason
    assert "not a valid email" in outcome.rejected["bad@nodot"]  # import/info's reason
    tagged = {a.email for a in await target.associations("Members Sync")}
    assert tagged == {"sync0@example.net", "sync1@example.net"}


async def test_adds_cost_one_import_and_one_confirmation_per_250(
        target: Prospect2TagTarget, control: EmulatorControl) -> None:
    accepted = await _import_all(target, _people(1000), "Season")
    assert len(accepted) == 1000 and all(accepted.values())
    stats = await _stats(control)
    assert stats["POST /api/3/import/bulk_import"] == 4
    assert stats["GET /api/3/import/info"] == 4
    assert target.calls == 8  # per 10k adds: 80 (40 imports + 40 confirmations)


async def test_associations_read_a_tag_in_pages_of_100_and_removal_costs_one_delete(
        target: Prospect2TagTarget, control: EmulatorControl) -> None:
    await _import_all(target, _people(250), "Lapsed")
    await _import_all(target, _people(5, start=1000), "Other")
    before = target.calls
    found = await target.associations("Lapsed")
    assert len(found) == 250 and len({a.association_id for a in found}) == 250
    for association in found[:100]:
        assert await target.remove(association.association_id) is True
    # 1 tag look-up + 3 pages + 100 deletes: ≤ 1.05 requests a removal
    assert target.calls - before == 104
    assert len(await target.associations("Lapsed")) == 150
    assert await target.remove(found[0].association_id) is False  # already gone: 404
    assert len(await target.associations("Other")) == 5


async def test_unknown_tag_or_contact_has_no_association(target: Prospect2TagTarget) -> None:
    assert await target.associations("No Such Tag") == []
    assert await target.find_association("nobody@example.net", "No Such Tag") is None
    await _import_all(target, _people(1), "Known")
    assert await target.find_association("nobody@example.net", "Known") is None


async def test_the_tag_is_read_once_for_its_id_purpose_and_associations(
        target: Prospect2TagTarget, control: EmulatorControl) -> None:
    """A run checks its tag exists (``load_definition``) at the cost of one read, which its
    removals' association look-ups then reuse."""
    assert await target.tag("Tagged Once") is None
    await _import_all(target, _people(2), "Tagged Once")
    before = (await _stats(control)).get("GET /api/3/tags", 0)
    fresh = PORTS[TAG_TARGET_PORT](target.client)  # the next run's target
    found = await fresh.tag(" tagged once ")
    assert found is not None and found.tag_id and found.purpose_id is None
    assert await fresh.tag("Tagged Once") == found
    assert len(await fresh.associations("Tagged Once")) == 2
    assert await fresh.find_association("sync0@example.net", "Tagged Once") is not None
    assert (await _stats(control))["GET /api/3/tags"] == before + 1


async def test_injected_429s_are_waited_out_and_counted(
        target: Prospect2TagTarget, control: EmulatorControl) -> None:
    await control.faults(rate_429=0.5)
    accepted = await _import_all(target, _people(300), "Busy")
    found = await target.associations("Busy")
    removed = [await target.remove(a.association_id) for a in found[:20]]
    await control.faults(rate_429=0.0)
    assert len(accepted) == 300 and len(found) == 300 and all(removed)
    assert target.rate_limited > 0


class RefusesImports(httpx.AsyncBaseTransport):
    """Answers the first imports with ActiveCampaign's "Rate limit exceeded." (as a 429, then
    as a 400, which AC also sends), without passing them on; then lets everything through."""

    def __init__(self, inner: httpx.AsyncBaseTransport, statuses: list[int]) -> None:
        self.inner = inner
        self.statuses = statuses

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/import/bulk_import") and self.statuses:
            return httpx.Response(self.statuses.pop(0), request=request, json={
                "success": 0, "message": "Rate limit exceeded.",
                "failureReasons": ["Up to 100 imports may be requested per minute."]})
        return await self.inner.handle_async_request(request)


async def test_rate_limit_exceeded_in_any_status_is_a_wait_not_a_failure(
        transport: httpx.ASGITransport, control: EmulatorControl) -> None:
    client = _client(RefusesImports(transport, [429, 400]))
    target = Prospect2TagTarget(client)
    outcome = await target.import_tagged(_people(2), "Later", trigger_automations=False,
                                         trigger_webhooks=False)
    await client.aclose()
    assert len(outcome.accepted) == 2
    assert target.rate_limited == 2
    assert (await _stats(control))["POST /api/3/import/bulk_import"] == 1


class SteppingClock:
    """Virtual seconds that jump ahead by whatever a limiter waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class ImportsTimed(httpx.AsyncBaseTransport):
    """Notes the virtual time each bulk import is sent at."""

    def __init__(self, inner: httpx.AsyncBaseTransport, virtual: SteppingClock) -> None:
        self.inner, self.virtual = inner, virtual
        self.sent_at: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/import/bulk_import"):
            self.sent_at.append(self.virtual.now)
        return await self.inner.handle_async_request(request)


async def test_imports_are_paced_to_the_per_minute_window(
        transport: httpx.ASGITransport, control: EmulatorControl) -> None:
    """2 imports a window: the third goes a window after the first one's answer."""
    virtual = SteppingClock()
    timed = ImportsTimed(transport, virtual)
    client = _client(timed)
    target = Prospect2TagTarget(client, import_window=ImportWindow(
        2, 60.0, clock=virtual.clock, sleep=virtual.sleep))
    for n in range(3):
        await target.import_tagged(_people(1, start=n), "Paced", trigger_automations=False,
                                   trigger_webhooks=False)
    await client.aclose()
    assert timed.sent_at == pytest.approx([0.0, 0.0, 60.0], abs=1e-9)  # (a window ends a float up)
    assert target.rate_limited == 0


async def test_enforced_limits_are_respected_without_unhandled_429s(
        transport: httpx.ASGITransport, control: EmulatorControl) -> None:
    await control.faults(enforce_rate_limit=True)
    client = Prospect2Client(PROSPECT2_ENV["PROSPECT2_URL"],
                             PROSPECT2_ENV["PROSPECT2_API_TOKEN"], transport=transport,
                             retry=FAST_RETRY)  # the real 5/s pacing
    target = Prospect2TagTarget(client)
    outcome = await target.import_tagged(_people(3), "Paced", trigger_automations=False,
                                         trigger_webhooks=False)
    found = await target.associations("Paced")
    assert all([await target.remove(a.association_id) for a in found])
    await client.aclose()
    assert len(outcome.accepted) == 3
    assert (await control.http.get("/_emulator/stats")).json()["rate_limited"] == 0


async def test_contacts_by_tag_sideload_their_contact_tags_in_the_v3_shape(
        target: Prospect2TagTarget, control: EmulatorControl) -> None:
    await _import_all(target, _people(3), "Shape")
    await _import_all(target, _people(1), "Second")
    headers = {"Api-Token": "emulator-token"}
    tags = (await control.http.get("/api/3/tags", params={"search": "Shape"},
                                   headers=headers)).json()["tags"]
    answer = (await control.http.get("/api/3/contacts", headers=headers, params={
        "tagid": tags[0]["id"], "include": "contactTags", "limit": 2})).json()
    assert answer["meta"]["total"] == "3" and len(answer["contacts"]) == 2
    page_ids = {c["id"] for c in answer["contacts"]}
    assert {ct["contact"] for ct in answer["contactTags"]} == page_ids
    assert all(isinstance(ct["id"], str) and ct["tag"] for ct in answer["contactTags"])
    assert len(answer["contactTags"]) == 3  # sync0 carries both tags
    plain = (await control.http.get("/api/3/contacts", headers=headers,
                                    params={"tagid": tags[0]["id"]})).json()
    assert "contactTags" not in plain


class RefusesEveryImport(httpx.AsyncBaseTransport):
    """Answers every import with a validation 400 that names no contact."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/import/bulk_import"):
            return httpx.Response(400, request=request, json={
                "success": 0, "message": "JSON payload did not pass validation."})
        return await self.inner.handle_async_request(request)


async def test_a_refusal_naming_no_contact_fails_the_batch_with_the_service_words(
        transport: httpx.ASGITransport) -> None:
    client = _client(RefusesEveryImport(transport))
    target = Prospect2TagTarget(client)
    try:
        with pytest.raises(ProviderError, match=r"failed with 400: JSON payload did not pass"):
            await target.import_tagged(_people(2), "Never", trigger_automations=False,
                                       trigger_webhooks=False)
    finally:
        await client.aclose()
    assert target.calls == 1  # not resent: the same payload would be refused again


async def test_a_tag_is_named_by_its_id_after_a_rename_and_none_once_deleted(
        target: Prospect2TagTarget) -> None:
    """What a run says of a tag its name no longer finds: renamed (to what), or gone."""
    await _import_all(target, _people(1), "Named First")
    found = await target.tag("Named First")
    assert found is not None and await target.tag_name(found.tag_id) == "Named First"
    await target.client.put(f"/tags/{found.tag_id}", "tag", {"tag": "Named Again"})
    assert await target.tag_name(found.tag_id) == "Named Again"
    await target.client.delete(f"/tags/{found.tag_id}")
    assert await target.tag_name(found.tag_id) is None
