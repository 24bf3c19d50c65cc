"""Renames the natural key cannot see (``lookalike_renames``): a delete and a create of one kind
whose objects agree on every field ``Kind.same_object_fields`` names (a Data Sync's list and
tag) are paired, and warned about with the ``moved`` entry (tests/workflows/
test_qa_sync_rename_hint.py drives it through the CLI)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.kinds import Kind, LiveObject, ResourceSpec
from engine.live_index import LiveIndex
from engine.plan.model import Change
from engine.plan.renames import lookalike_renames, lookalike_warning
from engine.references import Ref, ReferenceTo

LISTS = "test.lists"
LABELS = {1: "Members", 2: "Donors"}


class FeedSpec(ResourceSpec):
    name: str
    source: Annotated[Ref, ReferenceTo(LISTS)] | None = None
    tag: str | None = None


class FeedKind(Kind):
    name: ClassVar[str] = "feeds"
    provider: ClassVar[str] = "fake"
    model: ClassVar[type[ResourceSpec]] = FeedSpec
    same_object_fields: ClassVar[tuple[str, ...]] = ("source", "tag")
    state_impact: ClassVar[tuple[str, ...]] = ("sync_baseline",)

    def key(self, value: Any) -> str:
        return str(value.name)


class OtherFeedKind(FeedKind):
    name: ClassVar[str] = "other_feeds"
    state_impact: ClassVar[tuple[str, ...]] = ()


class LoggedFeedKind(FeedKind):
    name: ClassVar[str] = "logged_feeds"
    state_impact: ClassVar[tuple[str, ...]] = ("sync_baseline", "run_log")


class PlainFeedKind(FeedKind):
    name: ClassVar[str] = "plain_feeds"
    same_object_fields: ClassVar[tuple[str, ...]] = ()


KINDS: dict[str, Kind] = {k.name: k() for k in (FeedKind, OtherFeedKind, LoggedFeedKind,
                                                 PlainFeedKind)}


def _live(kind: str, source: int | None, tag: str | None) -> LiveObject:
    ref = Ref(LISTS, source, LABELS[source]) if source is not None else None
    return LiveObject(kind, "7", "old", FeedSpec.model_construct(name="old", source=ref, tag=tag))


def _delete(kind: str = "feeds") -> Change:
    return Change("delete", f"{kind}.old", kind, "old", remote_id="7")


def _create(kind: str = "feeds", source: Any = "Members", tag: str | None = "T",
            action: str = "create") -> Change:
    after = {"name": "new", "source": source, "tag": tag}
    return Change(action, f"{kind}.new", kind, "new",  # type: ignore[arg-type]
                  remote_id="8" if action != "create" else None, after=after,
                  origin="m.yaml:3")


def _pairs(changes: list[Change], live: LiveObject) -> list[tuple[str, str, str]]:
    index = LiveIndex({live.kind: [live]})
    return [(c.address, d.address, shared)
            for c, d, shared in lookalike_renames(changes, KINDS, index)]


SOURCES = st.sampled_from([None, 1, 2])
TAGS = st.sampled_from([None, "T", "U"])


@settings(max_examples=200, deadline=None)
@given(old_source=SOURCES, old_tag=TAGS, new_source=SOURCES, new_tag=TAGS,
       by_label=st.booleans())
def test_paired_only_when_every_identifying_field_is_set_and_equal(
        old_source, old_tag, new_source, new_tag, by_label) -> None:
    written = (None if new_source is None
               else LABELS[new_source] if by_label else {"id": new_source})
    pairs = _pairs([_create(source=written, tag=new_tag), _delete()],
                   _live("feeds", old_source, old_tag))
    same = (new_source is not None and new_tag is not None
            and (old_source, old_tag) == (new_source, new_tag))
    assert bool(pairs) == same
    if same:
        shown = repr(LABELS[new_source]) if by_label else f"id {new_source}"
        assert pairs == [("feeds.new", "feeds.old", f"source {shown} and tag {new_tag!r}")]


def test_never_across_kinds_nor_for_a_kind_that_declares_nothing() -> None:
    assert _pairs([_create("feeds"), _delete("other_feeds")], _live("other_feeds", 1, "T")) == []
    assert _pairs([_create("plain_feeds"), _delete("plain_feeds")],
                  _live("plain_feeds", 1, "T")) == []


def test_only_a_create_pairs_with_a_delete_of_a_live_object() -> None:
    live = _live("feeds", 1, "T")
    assert _pairs([_create(action="update"), _delete()], live) == []
    assert _pairs([_create(action="adopt"), _delete()], live) == []
    assert _pairs([_create(), Change("update", "feeds.old", "feeds", "old", remote_id="7",
                                     after={"name": "old"})], live) == []
    gone = Change("delete", "feeds.old", "feeds", "old", remote_id="9")  # not live any more
    assert _pairs([_create(), gone], live) == []
    assert _pairs([_create(), _delete()], live) == [
        ("feeds.new", "feeds.old", "source 'Members' and tag 'T'")]


def test_other_changes_before_the_pair_do_not_hide_it() -> None:
    unrelated = Change("update", "feeds.other", "feeds", "other", remote_id="3",
                       after={"name": "other"})
    assert _pairs([unrelated, _create(), _delete()], _live("feeds", 1, "T")) == [
        ("feeds.new", "feeds.old", "source 'Members' and tag 'T'")]


def test_the_warning_names_what_is_lost_and_the_entry_to_add() -> None:
    created, deleted = _create(), _delete()
    warning = lookalike_warning(created, deleted, "source 'Members' and tag 'T'",
                                KINDS["feeds"])
    assert (warning.address, warning.origin) == ("feeds.new", "m.yaml:3")
    assert warning.message == (
        "looks like feeds.old renamed (same source 'Members' and tag 'T'): its sync baseline "
        "is lost on delete; if it is a rename, add to the manifests: moved: "
        "[{from: feeds.old, to: feeds.new}]")
    other = lookalike_warning(created, deleted, "tag 'T'", KINDS["other_feeds"])
    assert "(same tag 'T'): its state is lost on delete;" in other.message
    both = lookalike_warning(created, deleted, "tag 'T'", KINDS["logged_feeds"])
    assert "(same tag 'T'): its sync baseline and run log is lost on delete;" in both.message
