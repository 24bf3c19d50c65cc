"""API calls a Data Sync spends, counted by the emulators' ``/_emulator/stats``.

* Prospect2 adds: ``Prospect2TagTarget.import_tagged`` tagging 10,000 contacts (what a run's
  adds are), against the naive one-contact-at-a-time peer (``POST /contact/sync`` then
  ``POST /contactTags``), measured on a sample and scaled.
* Prospect2 removals: a real ``DataSyncRunner`` run after ``/_emulator/churn`` moved
  constituents out of the list, against the naive look-up-then-delete per contact.
* Tessitura: the list source's address export for 1,000 changed constituents, against
  per-constituent reads (addresses, purposes, permissions), measured on a sample and scaled.
Targets (issue 5): ≤ 40 Prospect2 calls per 10k adds, ≤ 1.05 per removal, ≤ 1 Tessitura call
per 1,000 changed constituents.

    python -m bench.api_calls [--quick]
"""

from __future__ import annotations

import asyncio
import logging

from bench.emulated_org import TAG, EmulatedOrganization, calls_between
from bench.measure import Figure, quick_arguments, report
from engine.sync.ports import MAX_IMPORT_BATCH, ImportContact

PROSPECT2 = "/api/3"
TESSITURA = "/TessituraService"


async def adds_per_10k(contacts: int, naive_sample: int) -> None:
    async with EmulatedOrganization() as org:
        target = org.target()
        people = [ImportContact(f"bench{n}@example.net", "Ada", f"Number{n}")
                  for n in range(contacts)]
        before = await org.requests()
        for start in range(0, contacts, MAX_IMPORT_BATCH):
            await target.import_tagged(people[start:start + MAX_IMPORT_BATCH], TAG,
                                       trigger_automations=False, trigger_webhooks=False)
        ours = calls_between(before, await org.requests(), PROSPECT2) * 10_000 / contacts

        tag_id = (await org.api("GET", f"/tags?search={TAG}"))["tags"][0]["id"]
        before = await org.requests()
        for n in range(naive_sample):
            contact = await org.api("POST", "/contact/sync", {"contact": {
                "email": f"naive{n}@example.net", "firstName": "Ada"}})
            await org.api("POST", "/contactTags", {"contactTag": {
                "contact": contact["contact"]["id"], "tag": tag_id}})
        naive = calls_between(before, await org.requests(), PROSPECT2) * 10_000 / naive_sample
    print(f"adds: {contacts:,} contacts tagged by bulk import; naive peer sampled on "
          f"{naive_sample} contacts")
    report(Figure("api.prospect2_calls_per_10k_adds", ours, "calls", "≤ 40", naive=naive,
                  ratio=f"{naive / ours:,.0f}× fewer (one call per contact: 10,000)"))


async def calls_per_removal(leavers: int, naive_sample: int) -> None:
    async with EmulatedOrganization() as org:
        definition = org.definition()
        first = await org.runner().run(definition)
        await org.control("churn", {"list_id": definition.list_id, "remove": leavers})
        runner = org.runner()
        before = await org.requests()
        second = await runner.run(definition)
        ours = calls_between(before, await org.requests(), PROSPECT2) / max(second.removed, 1)

        target = org.target()
        still_tagged = await target.associations(TAG)
        before = await org.requests()
        for association in still_tagged[:naive_sample]:
            found = await target.find_association(association.email, TAG)
            if found is not None:
                await target.remove(found.association_id)
        naive = calls_between(before, await org.requests(), PROSPECT2) / naive_sample
    print(f"removals: tag on {first.added:,} addresses; {leavers} constituents left the list; "
          f"run {second.status}: {second.removed} tags removed, {second.kept_shared} kept "
          "(shared); no association id was cached, so the run looked them up (one pass over "
          "the tag at 100 a page, or one look-up each when fewer)")
    report(Figure("api.prospect2_calls_per_removal", ours, "calls", "≤ 1.05", naive=naive,
                  ratio=f"{naive / ours:.1f}× fewer"))


async def tessitura_per_1000_changed(changed: int, naive_sample: int) -> None:
    async with EmulatedOrganization(seed="demo") as org:
        source = org.source()
        members = list(await source.members(105))[:changed]
        before = await org.requests()
        await source.export(members)
        ours = calls_between(before, await org.requests(), TESSITURA) * 1000 / changed
        before = await org.requests()
        for constituent in members[:naive_sample]:
            for route, key in (("ElectronicAddresses", "constituentIds"),
                               ("ContactPointPurposeMaps", "constituentId"),
                               ("ContactPermissions", "constituentId")):
                await org.tessitura_client.get(f"/CRM/{route}", {key: constituent})
        naive = calls_between(before, await org.requests(), TESSITURA) * 1000 / naive_sample
    print(f"tessitura: addresses of {changed:,} changed constituents by LP_CALLBOARD_SYNC_EXPORT;"
          f" naive per-constituent reads sampled on {naive_sample}")
    report(Figure("api.tessitura_calls_per_1000_changed", ours, "calls", "≤ 1", naive=naive,
                  ratio=f"{naive / ours:,.0f}× fewer"))


async def run(quick: bool) -> None:
    if quick:
        await adds_per_10k(500, 5)
        await calls_per_removal(20, 5)
        await tessitura_per_1000_changed(100, 5)
    else:
        await adds_per_10k(10_000, 100)
        await calls_per_removal(200, 50)
        await tessitura_per_1000_changed(1000, 100)


def main() -> None:
    args = quick_arguments(__doc__ or "").parse_args()
    logging.disable(logging.WARNING)
    asyncio.run(run(args.quick))


if __name__ == "__main__":
    main()
