"""What apply does when the services changed between the plan and the apply itself.

``callboard apply`` without a plan file shows the plan and waits for "yes": meanwhile someone
may create the tag it was about to create, or delete the one it was about to update or adopt.
(A saved plan is checked for these before anything is written: ``test_apply_guards.py``.)
Apply meets them one change at a time: it takes over what already holds the planned name,
fails the change whose object is gone with a message naming it, and writes nothing it should
not, nor anything after a group that failed. The same holds for what a change looks up when its
turn comes: the new id of an activity type the same plan created.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from engine.apply.executor import ApplyFailed, ApplyResult, apply_plan
from engine.plan.model import Change, Plan
from tests.engine.test_apply_guards import apply_saved, plan_then_delete_zed, tags_named
from tests.engine.test_apply_resume import RefusingPrefixTransport, RefusingTransport
from tests.rules.rule_support import Workspace, workspace

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def apply_confirmed(ws: Workspace, plan: Plan,
                          details: dict[str, str] | None = None) -> ApplyResult:
    """The "yes" given: the plan just shown is applied (``saved=False``: no stale checks)."""
    def listen(change: Change, event: str, detail: str) -> None:
        if details is not None and event in ("done", "error"):
            details[change.address] = detail

    session = ws.session()
    try:
        return await apply_plan(session, plan, ws.state, saved=False, listener=listen)
    finally:
        await session.aclose()


async def test_a_tag_created_by_hand_before_the_yes_is_taken_over(tmp_path: Path) -> None:
    """Prospect2 refuses a second tag of one name: apply records the one made meanwhile and
    writes what the plan says into it, instead of failing on a duplicate."""
    async with workspace(tmp_path) as ws:
        ws.write("tags:\n  fresh: {name: Fresh Tag, description: Planned}\n")
        plan = await ws.plan()
        assert [c.action for c in plan.changes] == ["create"]
        made = await ws.api("POST", "/tags", {"tag": {"tag": "Fresh Tag", "tagType": "contact",
                                                      "description": "by hand"}})
        made.raise_for_status()
        details: dict[str, str] = {}
        result = await apply_confirmed(ws, plan, details)
        assert result.done == ["tags.fresh"]
        [tag] = await tags_named(ws, "Fresh Tag")
        assert (tag["id"], tag["description"]) == (str(made.json()["tag"]["id"]), "Planned")
        assert details == {"tags.fresh": f"created (took over id {tag['id']}, made since "
                                         "the plan)"}
        recorded = ws.state.get("tags.fresh")
        assert recorded is not None and recorded.remote_id == tag["id"]


async def test_an_update_of_a_tag_deleted_before_the_yes_fails_naming_it(
        tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        plan, zed = await plan_then_delete_zed(ws)
        details: dict[str, str] = {}
        with pytest.raises(ApplyFailed) as failed:
            await apply_confirmed(ws, plan, details)
        assert details == {"tags.zed": f"tags object {zed['id']} is gone; plan again"}
        assert str(failed.value).endswith(f"finish:\n  tags.zed: tags object {zed['id']} is "
                                          "gone; plan again")
        assert await tags_named(ws, "Zed") == []  # not made again behind the user's back
        assert ws.state.journal(plan.id) == set()


async def test_an_adoption_of_a_tag_deleted_before_the_yes_fails_naming_it(
        tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        made = await ws.api("POST", "/tags", {"tag": {"tag": "Loose", "tagType": "contact",
                                                      "description": ""}})
        made.raise_for_status()
        tag_id = made.json()["tag"]["id"]
        ws.write("tags:\n  loose: {name: Loose}\n")
        plan = await ws.plan()
        assert [(c.action, c.remote_id) for c in plan.changes] == [("adopt", str(tag_id))]
        (await ws.api("DELETE", f"/tags/{tag_id}")).raise_for_status()
        details: dict[str, str] = {}
        with pytest.raises(ApplyFailed, match="1 change"):
            await apply_confirmed(ws, plan, details)
        assert details == {"tags.loose": f"tags object {tag_id} is gone"}
        assert ws.state.get("tags.loose") is None and await tags_named(ws, "Loose") == []


async def test_a_failed_update_stops_the_apply_before_the_deletes_of_its_kind(
        tmp_path: Path) -> None:
    """Deletes run after every create and update, the deletes of the plan's last kind too: when
    the update is refused, the tag to delete is still there (and still managed)."""
    async with workspace(tmp_path) as ws:
        ws.write("tags:\n  alpha: {name: Alpha, description: one}\n  beta: {name: Beta}\n")
        await ws.plan_and_apply()
        ws.write("tags:\n  alpha: {name: Alpha, description: two}\n")
        plan = await ws.plan()
        assert [(c.action, c.address) for c in plan.changes] == [
            ("update", "tags.alpha"), ("delete", "tags.beta")]
        working = ws.transport
        ws.transport = RefusingPrefixTransport(working, "PUT", "/api/3/tags/")
        with pytest.raises(ApplyFailed,
                           match=r"^1 change failed and 1 change was not started; 0 finished"):
            await apply_confirmed(ws, plan)
        ws.transport = working
        assert len(await tags_named(ws, "Beta")) == 1
        assert ws.state.get("tags.beta") is not None
        result = await apply_confirmed(ws, await ws.plan())  # the cause fixed: both happen
        assert sorted(result.done) == ["tags.alpha", "tags.beta"]
        assert await tags_named(ws, "Beta") == []


async def test_a_failure_counts_what_finished_and_what_was_not_started(tmp_path: Path) -> None:
    """One tag made, one update failed (its tag deleted before the yes), two deletes after
    them never started: the message counts each, in words that agree with the counts."""
    async with workspace(tmp_path) as ws:
        ws.write("tags:\n  alpha: {name: Alpha, description: one}\n  beta: {name: Beta}\n"
                 "  gamma: {name: Gamma}\n")
        await ws.plan_and_apply()
        ws.write("tags:\n  alpha: {name: Alpha, description: two}\n  fresh: {name: Fresh}\n")
        plan = await ws.plan()
        assert [(c.action, c.address) for c in plan.changes] == [
            ("update", "tags.alpha"), ("create", "tags.fresh"), ("delete", "tags.beta"),
            ("delete", "tags.gamma")]
        [alpha] = await tags_named(ws, "Alpha")
        (await ws.api("DELETE", f"/tags/{alpha['id']}")).raise_for_status()
        with pytest.raises(ApplyFailed) as failed:
            await ws.apply(plan)  # --force: two of three managed tags go
        assert str(failed.value) == (
            "1 change failed and 2 changes were not started; 1 finished and is recorded in "
            "state. Fix the cause and run the same apply again to finish:\n"
            f"  tags.alpha: tags object {alpha['id']} is gone; plan again")
        assert ws.state.get("tags.fresh") is not None
        assert [len(await tags_named(ws, name)) for name in ("Beta", "Gamma")] == [1, 1]


WEBHOOK = ("activity_types:\n"
           "  pro2-feedback: {description: Pro2 Feedback, category: Customer Service}\n"
           "csi_webhooks:\n"
           "  feedback:\n"
           "    title: Feedback\n"
           "    contact_method: E-mail\n"
           "    activity_type: Pro2 Feedback\n")


async def test_a_webhook_whose_new_activity_type_was_deleted_fails_naming_it(
        tmp_path: Path) -> None:
    """The first run made the activity type but not the webhook naming it; before the re-run
    a person deleted that activity type. The webhook's change fails, saying what it could not
    find; nothing crashes and nothing is half written."""
    async with workspace(tmp_path) as ws:
        ws.write(WEBHOOK)
        plan = await ws.plan()
        working = ws.transport
        ws.transport = RefusingTransport(working, "POST", "/api/3/tessitura/csiWebhooks")
        with pytest.raises(ApplyFailed):
            await apply_saved(ws, plan)
        ws.transport = working
        made = ws.state.get("activity_types.pro2-feedback")
        assert made is not None
        (await ws.tessitura("DELETE", f"/ReferenceData/ActivityTypes/{made.remote_id}")
         ).raise_for_status()
        details: dict[str, str] = {}
        with pytest.raises(ApplyFailed, match=r"^1 change failed; 0 finished"):
            await apply_saved(ws, plan, details=details)
        [detail] = details.values()
        assert detail.startswith("activity_type: no activity type is described 'Pro2 Feedback'")
        assert (await ws.api("GET", "/tessitura/csiWebhooks")).json()["csiWebhooks"] == []


class ActivityTypesUnreadableOnceMade(RefusingTransport):
    """Tessitura refuses to list the activity types once one has been created (a rights
    change under way, say)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/ReferenceData/ActivityTypes"):
            if request.method == "POST":
                self.made = True
            elif getattr(self, "made", False):
                return httpx.Response(403, request=request)
        return await self.inner.handle_async_request(request)


async def test_a_webhook_whose_activity_type_cannot_be_read_fails_with_the_reason(
        tmp_path: Path) -> None:
    """The activity type is made, then its table cannot be read to learn the new id: the
    webhook's change fails with Tessitura's reason, and running the plan again finishes."""
    async with workspace(tmp_path) as ws:
        ws.write(WEBHOOK)
        plan = await ws.plan()
        working = ws.transport
        ws.transport = ActivityTypesUnreadableOnceMade(working, "", "")
        details: dict[str, str] = {}
        with pytest.raises(ApplyFailed, match=r"^1 change failed; 1 finished"):
            await apply_saved(ws, plan, details=details)
        assert details["csi_webhooks.feedback"] == (
            "Tessitura denied callboard:admin:emulator access to GET /ReferenceData/ActivityTypes "
            "(403); check the user group's rights")
        ws.transport = working
        result = await apply_saved(ws, plan)
        assert (result.done, result.skipped) == (["csi_webhooks.feedback"],
                                                 ["activity_types.pro2-feedback"])
