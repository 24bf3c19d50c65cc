"""``--target``'s pure part case by case: what comes along (each dependency once, however many
targets name it) and the warning's words, which name the targets and what they took along."""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import ResourceSpec
from engine.plan.targets import target_dependencies, targeting_warning
from engine.providers import KindRegistry
from tests.engine.fake_kinds import FakeProvider, LinkKind, resource

KINDS = KindRegistry([FakeProvider]).kinds

DECLARED = {r.address: r for r in (
    resource("labels", "a", {"name": "A"}),
    resource("labels", "b", {"name": "B"}),
    resource("links", "one", {"label": "a"}),
    resource("links", "two", {"label": "a", "note": "second"}),
    resource("links", "by-key", {"label": "b"}),
)}


def test_a_label_two_targeted_links_name_comes_along_once() -> None:
    assert target_dependencies(["links.one", "links.two"], DECLARED, KINDS) == ["labels.a"]
    assert target_dependencies(["links"], DECLARED, KINDS) == ["labels.a", "labels.b"]


def test_a_target_that_is_also_a_dependency_is_not_listed_twice() -> None:
    assert target_dependencies(["links.one", "labels.a"], DECLARED, KINDS) == []


class NamingLinkKind(LinkKind):
    """A kind whose objects also name something it may not depend on (e.g. a kind of another
    provider), listed first: that name is passed over, the label after it still counts."""

    extra: ClassVar[tuple[str, str]] = ("links", "two")

    def refers_to(self, value: ResourceSpec) -> list[tuple[str, str]]:
        return [self.extra, *super().refers_to(value)]


def test_a_name_outside_the_kinds_dependencies_is_passed_over() -> None:
    kinds: dict[str, Any] = {**KINDS, "links": NamingLinkKind()}
    assert target_dependencies(["links.by-key"], DECLARED, kinds) == ["labels.b"]


def test_a_dependency_named_by_its_key_in_another_case_comes_along() -> None:
    """No label is NAMEd "cee": the label whose key is "Cee" is the one meant."""
    declared = {**DECLARED, "labels.c": resource("labels", "c", {"name": "Cee"}),
                "links.shout": resource("links", "shout", {"label": "cee"})}
    assert target_dependencies(["links.shout"], declared, KINDS) == ["labels.c"]


PARTIAL = ("so it may not show every change the manifests ask for. --target is for exceptional "
           "cases, such as recovering from an error; run plan without it to see everything.")


def test_the_warning_names_one_target_and_what_it_depends_on() -> None:
    assert targeting_warning(["links.one"], ["labels.a"]).message == (
        "Resource targeting is in effect: this plan covers only links.one and what it depends "
        f"on (labels.a), {PARTIAL}")


def test_the_warning_names_every_target_and_says_they_depend() -> None:
    assert targeting_warning(["links.one", "links.two"], ["labels.a", "labels.b"]).message == (
        "Resource targeting is in effect: this plan covers only links.one, links.two and what "
        f"they depend on (labels.a, labels.b), {PARTIAL}")
    assert targeting_warning(["links"], ["labels.a"]).message == (
        "Resource targeting is in effect: this plan covers only links and what they depend "
        f"on (labels.a), {PARTIAL}")


def test_the_warning_takes_nothing_along_when_nothing_is_needed() -> None:
    assert targeting_warning(["labels.a"], []).message == (
        f"Resource targeting is in effect: this plan covers only labels.a, {PARTIAL}")
