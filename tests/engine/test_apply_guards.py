"""What apply refuses or recovers when the world moved since the plan was made.

Each test stands for a mistake a user would feel: a saved plan applied over an object someone
created, edited or deleted by hand since planning; a re-run after a crash that must not create
twice; ``--parallelism 1`` for services that must see one change at a time; and a reference to
an object the same apply creates. They run the real planner and executor against the
in-process emulators.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.apply.executor import ApplyResult, apply_plan
from engine.errors import StalePlan
from engine.manifests.loader import load_manifests
from engine.plan.model import Change, Plan
from engine.plan.planner import make_plan
from engine.state import StateStore
from engine.state.base import ResourceRecord
from tests.rules.rule_support import Workspace, workspace

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def apply_saved(ws: Workspace, plan: Plan, *, parallelism: int = 4,
                      details: dict[str, str] | None = None,
                      state: StateStore | None = None) -> ApplyResult:
    """``callboard apply PLANFILE --force``: the saved plan, its stale checks included
    (against ``state``: another state than the plan was made with)."""
    def listen(change: Change, event: str, detail: str) -> None:
        if details is not None and event in ("done", "error"):
            details[change.address] = detail

    session = ws.session()
    try:
        return await apply_plan(session, Plan.from_dict(plan.to_dict()), state or ws.state,
                                saved=True, force=True, parallelism=parallelism, listener=listen)
    finally:
        await session.aclose()


async def tags_named(ws: Workspace, name: str) -> list[dict]:
    tags = (await ws.api("GET", f"/tags?search={name}&limit=100")).json()["tags"]
    return [t for t in tags if t["tag"] == name]


async def edit_tag(ws: Workspace, name: str, description: str) -> None:
    """A person changes the tag in Prospect2's UI."""
    [tag] = await tags_named(ws, name)
    answer = await ws.api("PUT", f"/tags/{tag['id']}", {"tag": {
        "tag": name, "tagType": "contact", "description": description}})
    answer.raise_for_status()


async def test_an_object_created_since_planning_refuses_the_saved_plan(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.write("tags:\n  fresh: {name: Fresh Tag}\n")
        plan = await ws.plan()
        made = await ws.api("POST", "/tags", {"tag": {"tag": "Fresh Tag", "tagType": "contact",
                                                      "description": "made by hand"}})
        made.raise_for_status()
        with pytest.raises(StalePlan, match="tags.fresh: a tags object 'Fresh Tag' was "
                                            "created since the plan was made"):
            await apply_saved(ws, plan)
        assert ws.state.get("tags.fresh") is None
        [tag] = await tags_named(ws, "Fresh Tag")
        assert tag["description"] == "made by hand"


async def manage_zed(ws: Workspace) -> None:
    """Apply ``tags.zed`` (the tag Zed), the object the next plan is made against."""
    ws.write("tags:\n  zed: {name: Zed, description: one}\n")
    await ws.plan_and_apply()


async def plan_then_delete_zed(ws: Workspace) -> tuple[Plan, dict[str, Any]]:
    """A plan to update managed tag Zed, then Zed deleted by hand: the plan and the tag."""
    await manage_zed(ws)
    ws.write("tags:\n  zed: {name: Zed, description: two}\n")
    plan = await ws.plan()
    [zed] = await tags_named(ws, "Zed")
    (await ws.api("DELETE", f"/tags/{zed['id']}")).raise_for_status()
    return plan, zed


async def test_every_planned_object_is_checked_after_a_create(tmp_path: Path) -> None:
    """The create comes first in the plan; the edited object after it is still checked."""
    async with workspace(tmp_path) as ws:
        await manage_zed(ws)
        ws.write("tags:\n  a-new: {name: A New}\n  zed: {name: Zed, description: two}\n")
        plan = await ws.plan()
        assert [(c.action, c.address) for c in plan.changes] == [
            ("create", "tags.a-new"), ("update", "tags.zed")]
        await edit_tag(ws, "Zed", "edited by hand")
        with pytest.raises(StalePlan, match=r"tags.zed \(id \d+\) changed since the plan was "
                                            "made: field description"):
            await apply_saved(ws, plan)
        assert await tags_named(ws, "A New") == []
        [zed] = await tags_named(ws, "Zed")
        assert zed["description"] == "edited by hand"


async def test_a_delete_of_an_object_edited_since_planning_is_refused(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        await manage_zed(ws)
        ws.write("tags: {}\n")
        plan = await ws.plan()
        assert [(c.action, c.address) for c in plan.changes] == [("delete", "tags.zed")]
        await edit_tag(ws, "Zed", "now in use")
        with pytest.raises(StalePlan, match="tags.zed .* changed since the plan was made"):
            await apply_saved(ws, plan)
        assert [t["description"] for t in await tags_named(ws, "Zed")] == ["now in use"]
        assert ws.state.get("tags.zed") is not None


async def test_a_replace_of_an_object_edited_since_planning_is_refused(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.write("custom_fields:\n  level: {title: Level, type: text}\n")
        await ws.plan_and_apply()
        ws.write("custom_fields:\n  level: {title: Level, type: date}\n")
        plan = await ws.plan()
        assert [(c.action, c.address) for c in plan.changes] == [
            ("replace", "custom_fields.level")]
        [field] = [f for f in (await ws.api("GET", "/fields?limit=100")).json()["fields"]
                   if f["perstag"] == "LEVEL"]
        edited = await ws.api("PUT", f"/fields/{field['id']}", {"field": {
            "title": "Level", "type": "text", "perstag": "LEVEL", "descript": "in use"}})
        edited.raise_for_status()
        with pytest.raises(StalePlan, match="custom_fields.level .* changed since the plan"):
            await apply_saved(ws, plan)
        recorded = ws.state.get("custom_fields.level")
        assert recorded is not None and recorded.remote_id == str(field["id"])


async def test_a_rerun_takes_over_what_an_interrupted_run_created(tmp_path: Path) -> None:
    """A run created the tag and died before recording it: the next run of the same plan
    records that tag instead of creating a second one (and writes what the plan says, should
    the tag hold anything else by now)."""
    async with workspace(tmp_path) as ws:
        ws.write("tags:\n  fresh: {name: Fresh Tag, description: Planned}\n")
        plan = await ws.plan()
        ws.state.begin_apply(plan.id)  # the interrupted run had started this plan
        made = await ws.api("POST", "/tags", {"tag": {"tag": "Fresh Tag", "tagType": "contact",
                                                      "description": "meanwhile"}})
        made.raise_for_status()
        details: dict[str, str] = {}
        await apply_saved(ws, plan, details=details)
        [tag] = await tags_named(ws, "Fresh Tag")
        assert tag["description"] == "Planned"
        assert details == {"tags.fresh": f"created (took over id {tag['id']}, made since the plan)"}
        recorded = ws.state.get("tags.fresh")
        assert recorded is not None and recorded.remote_id == str(tag["id"])


async def test_a_rerun_takes_over_what_an_interrupted_run_recorded_but_did_not_journal(
        tmp_path: Path) -> None:
    """A run stopped at once between recording the new tag in state and journaling its
    change: the next run takes the recorded tag over instead of creating it again."""
    async with workspace(tmp_path) as ws:
        ws.write("tags:\n  fresh: {name: Fresh Tag}\n")
        plan = await ws.plan()
        ws.state.begin_apply(plan.id)
        made = await ws.api("POST", "/tags", {"tag": {"tag": "Fresh Tag", "tagType": "contact",
                                                      "description": ""}})
        made.raise_for_status()
        tag_id = str(made.json()["tag"]["id"])
        ws.state.put(ResourceRecord("tags.fresh", "tags", "fresh", tag_id,
                                    {"name": "Fresh Tag", "description": ""}))
        details: dict[str, str] = {}
        await apply_saved(ws, plan, details=details)
        assert details == {"tags.fresh": f"created (took over id {tag_id}, made since the plan)"}
        assert [t["id"] for t in await tags_named(ws, "Fresh Tag")] == [tag_id]


async def test_a_rerun_accepts_the_update_its_interrupted_run_made(tmp_path: Path) -> None:
    """The interrupted run updated the tag and died before journaling it: the tag changed
    since planning, but into what the plan writes, so the re-run is not refused (a tag edited
    into anything else still is)."""
    async with workspace(tmp_path) as ws:
        await manage_zed(ws)
        ws.write("tags:\n  zed: {name: Zed, description: two}\n")
        plan = await ws.plan()
        ws.state.begin_apply(plan.id)
        await edit_tag(ws, "Zed", "edited by hand")
        with pytest.raises(StalePlan, match="tags.zed .* changed since the plan was made"):
            await apply_saved(ws, plan)
        await edit_tag(ws, "Zed", "two")  # what the interrupted run wrote
        result = await apply_saved(ws, plan)
        assert result.done == ["tags.zed"]
        recorded = ws.state.get("tags.zed")
        assert recorded is not None and recorded.fields["description"] == "two"



async def test_a_rerun_finds_the_delete_its_interrupted_run_made(tmp_path: Path) -> None:
    """The tag is gone because the interrupted run deleted it (not journaled yet): the re-run
    is not refused as "deleted since the plan was made", it finishes by forgetting it."""
    async with workspace(tmp_path) as ws:
        await manage_zed(ws)
        ws.write("tags: {}\n")
        plan = await ws.plan()
        ws.state.begin_apply(plan.id)
        [zed] = await tags_named(ws, "Zed")
        (await ws.api("DELETE", f"/tags/{zed['id']}")).raise_for_status()
        details: dict[str, str] = {}
        result = await apply_saved(ws, plan, details=details)
        assert (result.done, details) == (["tags.zed"], {"tags.zed": "deleted"})
        assert ws.state.resources() == {}


async def fields_with_perstag(ws: Workspace, perstag: str) -> list[dict]:
    fields = (await ws.api("GET", "/fields?limit=100")).json()["fields"]
    return [f for f in fields if f["perstag"] == perstag]


async def test_a_rerun_takes_over_the_field_an_interrupted_replace_made(tmp_path: Path) -> None:
    """The replace deleted the old field and created the new one, then died before recording
    it: the re-run records that field instead of creating a second LEVEL."""
    async with workspace(tmp_path) as ws:
        ws.write("custom_fields:\n  level: {title: Level, type: text}\n")
        await ws.plan_and_apply()
        ws.write("custom_fields:\n  level: {title: Level, type: date}\n")
        plan = await ws.plan()
        assert [c.action for c in plan.changes] == ["replace"]
        ws.state.begin_apply(plan.id)
        [old] = await fields_with_perstag(ws, "LEVEL")
        (await ws.api("DELETE", f"/fields/{old['id']}")).raise_for_status()
        made = await ws.api("POST", "/fields", {"field": {"title": "Level", "type": "date",
                                                          "perstag": "LEVEL"}})
        made.raise_for_status()
        details: dict[str, str] = {}
        await apply_saved(ws, plan, details=details)
        [new] = await fields_with_perstag(ws, "LEVEL")
        assert (new["id"], new["type"]) == (str(made.json()["field"]["id"]), "date")
        assert details == {"custom_fields.level": f"replaced (new id {new['id']})"}
        recorded = ws.state.get("custom_fields.level")
        assert recorded is not None and recorded.remote_id == new["id"]


async def test_a_rerun_takes_over_the_tag_that_holds_the_planned_name(tmp_path: Path) -> None:
    """The interrupted run made and recorded the tag; then a person renamed it and made a new
    one with the planned name. The re-run manages the tag named as declared and leaves the
    renamed one as the person left it (renaming it back would collide with the new one)."""
    async with workspace(tmp_path) as ws:
        ws.write("tags:\n  fresh: {name: Fresh Tag}\n")
        plan = await ws.plan()
        ws.state.begin_apply(plan.id)
        first = await ws.api("POST", "/tags", {"tag": {"tag": "Fresh Tag", "tagType": "contact",
                                                       "description": ""}})
        first_id = str(first.json()["tag"]["id"])
        ws.state.put(ResourceRecord("tags.fresh", "tags", "fresh", first_id,
                                    {"name": "Fresh Tag", "description": ""}))
        (await ws.api("PUT", f"/tags/{first_id}", {"tag": {
            "tag": "Fresh Tag (old)", "tagType": "contact", "description": ""}})).raise_for_status()
        second = await ws.api("POST", "/tags", {"tag": {"tag": "Fresh Tag", "tagType": "contact",
                                                        "description": ""}})
        second_id = str(second.json()["tag"]["id"])
        result = await apply_saved(ws, plan)
        assert result.done == ["tags.fresh"]
        recorded = ws.state.get("tags.fresh")
        assert recorded is not None and recorded.remote_id == second_id
        assert [t["id"] for t in await tags_named(ws, "Fresh Tag (old)")] == [first_id]


class InFlight(httpx.AsyncBaseTransport):
    """Counts the tag creations Prospect2 is working on at the same moment."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.now, self.most = inner, 0, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        creating = request.method == "POST" and request.url.path == "/api/3/tags"
        if creating:
            self.now += 1
            self.most = max(self.most, self.now)
            await asyncio.sleep(0.02)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            if creating:
                self.now -= 1


@pytest.mark.parametrize(("parallelism", "most"), [(1, 1), (3, 3)])
async def test_parallelism_bounds_changes_in_flight(tmp_path: Path, parallelism: int,
                                                    most: int) -> None:
    async with workspace(tmp_path) as ws:
        ws.write("tags:\n  one: {name: One}\n  two: {name: Two}\n  three: {name: Three}\n")
        plan = await ws.plan()
        counting = InFlight(ws.transport)
        ws.transport = counting
        result = await apply_saved(ws, plan, parallelism=parallelism)
        assert sorted(result.done) == ["tags.one", "tags.three", "tags.two"]
        assert counting.most == most


async def test_a_reference_to_an_object_made_in_the_same_apply_is_resolved(
        tmp_path: Path) -> None:
    """The webhook names an activity type this very apply creates: apply writes its new id,
    although planning (in the same session, as ``apply --auto-approve``) read the activity
    types before that one existed."""
    async with workspace(tmp_path) as ws:
        ws.write("activity_types:\n"
                 "  pro2-feedback: {description: Pro2 Feedback, category: Customer Service}\n"
                 "csi_webhooks:\n"
                 "  feedback:\n"
                 "    title: Feedback\n"
                 "    contact_method: E-mail\n"
                 "    activity_type: Pro2 Feedback\n")
        session = ws.session()
        try:
            manifests = load_manifests(ws.manifests, session.registry, display_root=ws.root)
            plan = await make_plan(session, manifests, ws.state)
            assert [c.address for c in plan.changes] == ["activity_types.pro2-feedback",
                                                         "csi_webhooks.feedback"]
            await apply_plan(session, plan, ws.state, saved=False)
        finally:
            await session.aclose()
        types = (await ws.tessitura("GET", "/ReferenceData/ActivityTypes")).json()
        [made] = [t["Id"] for t in types if t["Description"] == "Pro2 Feedback"]
        [wire] = (await ws.api("GET", "/tessitura/csiWebhooks")).json()["csiWebhooks"]
        assert wire["activityTypeId"] == made
        recorded = ws.state.get("activity_types.pro2-feedback")
        assert recorded is not None and recorded.remote_id == str(made)


async def test_an_update_of_an_object_deleted_since_planning_is_refused(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        plan, zed = await plan_then_delete_zed(ws)
        with pytest.raises(StalePlan, match=rf"saved plan refused: tags.zed \(id {zed['id']}\) "
                                            r"was deleted since the plan was made\. Make a new "
                                            "plan."):
            await apply_saved(ws, plan)
        assert await tags_named(ws, "Zed") == []  # not created again behind the user's back


async def test_an_object_saved_unchanged_since_planning_is_refused_by_its_version(
        tmp_path: Path) -> None:
    """Someone saved the field in the UI without changing what Callboard compares: its
    update time moved, so the saved plan no longer describes what is live."""
    async with workspace(tmp_path) as ws:
        ws.write("custom_fields:\n  level: {title: Level, type: text}\n")
        await ws.plan_and_apply()
        ws.write("custom_fields:\n  level: {title: Level Two, type: text}\n")
        plan = await ws.plan()
        [field] = [f for f in (await ws.api("GET", "/fields?limit=100")).json()["fields"]
                   if f["perstag"] == "LEVEL"]
        async with httpx.AsyncClient(transport=ws.transport, base_url="http://emulator") as h:
            (await h.post("/_emulator/clock", json={"advance_seconds": 60})).raise_for_status()
        (await ws.api("PUT", f"/fields/{field['id']}", {"field": {
            "title": "Level", "type": "text", "perstag": "LEVEL"}})).raise_for_status()
        with pytest.raises(StalePlan, match=r"custom_fields.level \(id \d+\) changed since the "
                                            "plan was made: its version"):
            await apply_saved(ws, plan)


async def test_dropping_an_object_deleted_by_hand_only_forgets_it(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with workspace(tmp_path) as ws:
        await manage_zed(ws)
        [zed] = await tags_named(ws, "Zed")
        (await ws.api("DELETE", f"/tags/{zed['id']}")).raise_for_status()
        ws.write("tags: {}\n")
        plan = await ws.plan()
        [change] = plan.changes
        assert (change.action, change.notes) == (
            "delete", ["already deleted outside Callboard; only state is updated"])
        details: dict[str, str] = {}
        with caplog.at_level("INFO", logger="engine.apply.executor"):
            result = await apply_saved(ws, plan, details=details)
        assert (result.done, details) == (["tags.zed"], {"tags.zed": "deleted"})
        assert caplog.messages == ["apply: delete tags.zed"]  # what -v shows
        assert ws.state.resources() == {}
