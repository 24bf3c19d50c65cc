"""A replace's followers, in process: a declared object holding the id of an object the plan
replaces is re-written after it, and the plan shows that update as it shows any other (its
note, the live object it writes to, its origin and lifecycle switches)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from engine.kinds import Kind, LiveObject, ResourceSpec
from engine.plan.diff import diff
from engine.plan.model import Change, fingerprint
from engine.references import Ref, ReferenceTo
from engine.resources import Origin, Resource
from engine.state.base import ResourceRecord

LISTS = "tessitura.lists"


class SwatchSpec(ResourceSpec):
    name: str
    shape: str = "round"


class HolderSpec(ResourceSpec):
    swatches: list[str]
    audience: Annotated[Ref, ReferenceTo(LISTS)] | None = None
    options: str = ""


class SwatchKind(Kind):
    """Its shape cannot change in place: a new shape is a new object, with a new id."""

    name: ClassVar[str] = "swatches"
    provider: ClassVar[str] = "fake"
    model: ClassVar[type[ResourceSpec]] = SwatchSpec
    replace_fields: ClassVar[frozenset[str]] = frozenset({"shape"})

    def key(self, value: Any) -> str:
        return str(value.name)


class HolderKind(Kind):
    """Holds its swatches by id (as a Data Sync holds custom field ids)."""

    name: ClassVar[str] = "holders"
    provider: ClassVar[str] = "fake"
    model: ClassVar[type[ResourceSpec]] = HolderSpec
    references: ClassVar[dict[str, str]] = {"swatches": "swatches"}
    follows_replaced: ClassVar[frozenset[str]] = frozenset({"swatches"})

    def key(self, value: Any) -> str:
        return ",".join(value.swatches)


KINDS: dict[str, Kind] = {"swatches": SwatchKind(), "holders": HolderKind()}
ORDER = ["swatches", "holders"]


def swatch(name: str, shape: str) -> tuple[Resource, LiveObject, ResourceRecord]:
    """A managed swatch declared with ``shape``, live still round: the plan replaces it."""
    live = LiveObject("swatches", f"s-{name}", name, SwatchSpec(name=name))
    return (Resource("swatches", name, SwatchSpec(name=name, shape=shape)), live,
            ResourceRecord(f"swatches.{name}", "swatches", name, live.remote_id))


def plan(declared: list[Resource], live: list[LiveObject],
         state: list[ResourceRecord]) -> list[Change]:
    by_kind: dict[str, list[LiveObject]] = {"swatches": [], "holders": []}
    for obj in live:
        by_kind[obj.kind].append(obj)
    return diff(KINDS, ORDER, {r.address: r for r in declared}, by_kind,
                {r.address: r for r in state})


def test_an_object_holding_a_replaced_one_is_rewritten_as_declared_into_its_live_object() -> None:
    """The update names the live object (id, fields and fingerprint as listed), writes the
    declared values with the reference ids planning resolved, keeps the ignored field's live
    value, and carries the manifest line and prevent_destroy the user wrote."""
    a, live_a, rec_a = swatch("a", "square")
    held = HolderSpec.model_validate({
        "swatches": ["a"], "audience": Ref(LISTS, 101, "Members"), "options": "declared",
        "lifecycle": {"prevent_destroy": True, "ignore_changes": ["options"]}})
    holder = Resource("holders", "h", held, origin=Origin("holders.yaml", 4))
    live_h = LiveObject("holders", "h-1", "a",
                        HolderSpec(swatches=["a"], audience=Ref(LISTS, 101, "Members"),
                                   options="from the UI"), version="v7")
    rec_h = ResourceRecord("holders.h", "holders", "h", "h-1")

    changes = plan([a, holder], [live_a, live_h], [rec_a, rec_h])

    assert [(c.action, c.address) for c in changes] == [("replace", "swatches.a"),
                                                        ("update", "holders.h")]
    shown = live_h.fields
    assert changes[1] == Change(
        action="update", address="holders.h", kind="holders", name="h", remote_id="h-1",
        before=shown,
        after={"swatches": ["a"], "audience": "Members", "options": "from the UI"},
        ref_ids={"audience": 101}, fingerprint=fingerprint(shown, "v7"),
        origin="holders.yaml:4", prevent_destroy=True, follows=["swatches.a"],
        notes=["re-written after swatches.a is replaced, to hold the new id"])
    assert changes[1].fingerprint not in (fingerprint(shown), fingerprint(None, "v7"))


def test_a_follower_of_several_replaces_names_them_all() -> None:
    """Two replaced swatches: one update after both, named in order; nothing is prevented
    unless the manifest says so."""
    a, live_a, rec_a = swatch("a", "square")
    b, live_b, rec_b = swatch("b", "oval")
    holder = Resource("holders", "h", HolderSpec(swatches=["b", "a"]),
                      origin=Origin("holders.yaml", 9))
    live_h = LiveObject("holders", "h-1", "b,a", HolderSpec(swatches=["b", "a"]))
    rec_h = ResourceRecord("holders.h", "holders", "h", "h-1")

    changes = plan([a, b, holder], [live_a, live_b, live_h], [rec_a, rec_b, rec_h])

    follower = changes[-1]
    assert (follower.action, follower.address, follower.follows) == (
        "update", "holders.h", ["swatches.a", "swatches.b"])
    assert follower.notes == [
        "re-written after swatches.a, swatches.b are replaced, to hold the new id"]
    assert (follower.origin, follower.prevent_destroy, follower.ref_ids) == (
        "holders.yaml:9", False, {})
    assert follower.fingerprint == fingerprint(live_h.fields)
