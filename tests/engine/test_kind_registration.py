"""A kind is registered in one place: a provider from outside Callboard, installed as a
distribution with a ``callboard.providers`` entry point, lists one handler, and its kind is
loaded, planned, checked by the provider's discovered rules and applied, with nothing added
to ``engine/``."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.apply.executor import apply_plan
from engine.cli.schema_cmd import manifest_schema
from engine.errors import ManifestErrors
from engine.manifests.loader import load_manifests
from engine.plan.planner import make_plan
from engine.providers import KindRegistry, ProviderContext, provider_classes
from engine.rules import get_rules
from engine.session import Session
from engine.state import open_state

TOY_PROVIDER = '''
"""A provider of toys: one kind, registered by one line (``handlers``)."""

from typing import Any, ClassVar

from engine.kinds import Kind, KindHandler, LiveObject, ResourceSpec
from engine.providers import Provider


class ToySpec(ResourceSpec):
    label: str | None = None
    colour: str = "blue"


class ToyKind(Kind):
    name: ClassVar[str] = "toys"
    provider: ClassVar[str] = "toy"
    model: ClassVar[type[ResourceSpec]] = ToySpec
    description: ClassVar[str] = "toys on a shelf"

    def desired(self, name: str, spec: ToySpec) -> ToySpec:
        return spec if spec.label else spec.model_copy(update={"label": name})

    def key(self, value: ToySpec) -> str:
        return str(value.label)


#: The toy service's objects, by id.
SHELF: dict[str, dict[str, Any]] = {}


def live(remote_id: str) -> LiveObject:
    toy = SHELF[remote_id]
    return LiveObject("toys", remote_id, toy["label"], ToySpec.model_construct(**toy))


class ToyHandler(KindHandler):
    kind: ClassVar[Kind] = ToyKind()

    async def list(self) -> list[LiveObject]:
        return [live(i) for i in SHELF]

    async def resolve(self, spec: ToySpec, refs: Any) -> ToySpec:
        """The shelf keeps labels trimmed: " Bear " and "bear" meet only once resolved."""
        return spec.model_copy(update={"label": str(spec.label).strip()})

    async def create(self, spec: ToySpec) -> LiveObject:
        remote_id = str(len(SHELF) + 1)
        SHELF[remote_id] = spec.plain()
        return live(remote_id)

    async def update(self, obj: LiveObject, spec: ToySpec) -> LiveObject:
        SHELF[obj.remote_id] = spec.plain()
        return live(obj.remote_id)

    async def delete(self, obj: LiveObject) -> None:
        SHELF.pop(obj.remote_id, None)


class ToyProvider(Provider):
    name: ClassVar[str] = "toy"
    handlers: ClassVar[tuple[type[KindHandler], ...]] = (ToyHandler,)
    rules_package: ClassVar[str | None] = "toy_callboard.rules"

    async def check(self) -> None:
        """Always reachable."""
'''

TOY_RULE = '''
"""Toys are never green::

    colour: green    # refused
    colour: red      # accepted
"""

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.rules import Rule, RuleContext


class NoGreenToys(Rule):
    seed: ClassVar[str] = "toy"
    kinds: ClassVar[tuple[str, ...]] = ("toys",)

    async def check(self, toy: Any, context: RuleContext) -> None:
        if toy.colour == "green":
            raise FieldProblem("colour", "toys are never green")
'''


@pytest.fixture
def toy_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``toy_callboard`` installed as pip would: a package and its dist-info on sys.path."""
    site = tmp_path / "site"
    package = site / "toy_callboard"
    (package / "rules").mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(TOY_PROVIDER))
    (package / "rules" / "__init__.py").write_text('"""The toy provider\'s rules."""\n')
    (package / "rules" / "no_green_toys.py").write_text(textwrap.dedent(TOY_RULE))
    info = site / "toy_callboard-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-callboard\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[callboard.providers]\ntoy = toy_callboard:ToyProvider\n")
    monkeypatch.syspath_prepend(str(site))
    yield tmp_path
    for module in [m for m in sys.modules if m.startswith("toy_callboard")]:
        del sys.modules[module]


def test_a_kind_from_an_installed_provider_is_planned_and_applied(toy_installed: Path) -> None:
    providers = provider_classes()
    [toy] = [p for p in providers if p.name == "toy"]
    assert [k.name for k in toy.kinds] == ["toys"]
    manifests_dir = toy_installed / "manifests"
    manifests_dir.mkdir()
    (manifests_dir / "toys.yaml").write_text("toys:\n  red-one: {colour: red}\n")
    state = open_state(str(toy_installed / "state.db"))

    async def scenario() -> None:
        session = Session(providers, ProviderContext(env={}))
        try:
            manifests = load_manifests(manifests_dir, session.registry)
            plan = await make_plan(session, manifests, state)
            assert [(c.action, c.address, c.after) for c in plan.changes] == [
                ("create", "toys.red-one", {"label": "red-one", "colour": "red"})]
            await apply_plan(session, plan, state, saved=False)
            assert (await make_plan(session, manifests, state)).changes == []
        finally:
            await session.aclose()

    try:
        asyncio.run(scenario())
        assert state.get("toys.red-one") is not None
        assert "toys" in manifest_schema(KindRegistry(providers))["properties"]
    finally:
        state.close()


def _plan_refusal(root: Path, toys_yaml: str) -> list[str]:
    """The lines of the refusal ``make_plan`` raises for ``manifests/toys.yaml``."""
    manifests_dir = root / "manifests"
    manifests_dir.mkdir()
    (manifests_dir / "toys.yaml").write_text(toys_yaml)
    state = open_state(str(root / "state.db"))

    async def scenario() -> list[str]:
        session = Session(provider_classes(), ProviderContext(env={}))
        try:
            manifests = load_manifests(manifests_dir, session.registry, display_root=root)
            with pytest.raises(ManifestErrors) as refused:
                await make_plan(session, manifests, state)
            return str(refused.value).splitlines()
        finally:
            await session.aclose()

    try:
        return asyncio.run(scenario())
    finally:
        state.close()


def test_an_installed_provider_s_rules_are_discovered_and_run(toy_installed: Path) -> None:
    assert _plan_refusal(toy_installed, "toys:\n  frog:\n    colour: green\n") == [
        "manifests/toys.yaml:3: toys.frog.colour: toys are never green"]
    assert [r.name for r in KindRegistry(provider_classes()).rules("toys")] == [
        "no_green_toys"]


def test_two_names_that_resolve_to_one_object_are_refused_by_the_plan(
        toy_installed: Path) -> None:
    """``validate`` compares keys as declared; a handler's ``resolve`` may normalize them
    (here: trimmed), so the planner checks again and names both declarations, and goes on to
    report the next resource's own problem in the same pass."""
    assert _plan_refusal(toy_installed, (
        "toys:\n"
        "  a-bear: {label: Bear}\n"
        "  b-bear: {label: ' bear '}\n"
        "  c-frog: {colour: green}\n")) == [
        "manifests/toys.yaml:3: toys.b-bear and toys.a-bear (manifests/toys.yaml:2) "
        "both declare the toys object 'bear'; one object can have only one address",
        "manifests/toys.yaml:4: toys.c-frog.colour: toys are never green"]


def test_every_seed_rule_says_its_seed_and_shows_both_forms() -> None:
    """A rule cites the seed it comes from, or the spec section where the spec decides
    (custom field options, spec §2)."""
    rules = get_rules("providers.prospect2.rules")
    assert [r.name for r in rules] == [
        "account_tessitura_connected", "csi_activity_type_origin",
        "csi_activity_type_perf_ind", "csi_auto_close",
        "csi_note_fields", "csi_notes_length", "csi_performance_field", "csi_unique_title",
        "custom_field_option_removal", "custom_field_options",
        "sync_contact_data", "sync_contact_permissions", "sync_cpp_filters",
        "sync_eaddress_types", "sync_list", "sync_notify_smtp", "sync_tag",
        "sync_trigger_webhooks", "tag_contact_point_purpose", "writeback_active_codes",
        "writeback_campaign_tag", "writeback_history"]
    for rule in rules:
        doc = sys.modules[type(rule).__module__].__doc__ or ""
        if rule.seed.startswith("spec §"):
            assert doc.startswith(f"Spec §{rule.seed.removeprefix('spec §')}: "), rule.name
        else:
            assert doc.startswith(f"Seed{'s' if ',' in rule.seed else ''} "), rule.name
        assert "refused" in doc or "warned" in doc, rule.name
        assert "accepted" in doc or "quiet" in doc, rule.name
        assert rule.kinds and all(k in ("csi_webhooks", "data_syncs", "campaign_writebacks",
                                        "custom_fields", "tags")
                                  for k in rule.kinds)
