"""A mistyped address (in --target, state mv/rm/show, output, import) is refused before
anything changes, with the address the user probably meant, as a mistyped manifest field is."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Sandbox


@pytest.fixture
def applied(sandbox: Sandbox) -> Sandbox:
    assert sandbox.run("apply", "--auto-approve").code == 0
    return sandbox


def _state(sandbox: Sandbox) -> str:
    listed = sandbox.run("state", "list")
    assert listed.code == 0, listed.err
    return listed.out


def test_a_mistyped_target_names_the_resource_or_kind_meant(applied: Sandbox) -> None:
    resource = applied.run("plan", "--target", "tags.membrs-active")
    assert resource.code == 1
    assert resource.err.strip() == ("Error: --target tags.membrs-active: no such resource in "
                                    "the manifests or state (did you mean "
                                    "'tags.members-active'?)")
    kind = applied.run("plan", "--target", "tag")
    assert kind.code == 1
    assert "(did you mean 'tags'?)" in kind.err


@pytest.mark.parametrize("command", [("state", "show", "tags.membrs-active"),
                                     ("state", "rm", "tags.membrs-active"),
                                     ("state", "mv", "tags.membrs-active", "tags.x"),
                                     ("output", "tags.membrs-active", "name")])
def test_a_mistyped_address_in_state_names_the_one_meant(applied: Sandbox,
                                                         command: tuple[str, ...]) -> None:
    before = _state(applied)
    result = applied.run(*command)
    assert result.code == 1
    assert result.err.strip().endswith("(did you mean 'tags.members-active'?)"), result.err
    assert "apply it first" not in result.err  # it is declared under another name: a typo
    assert _state(applied) == before


def test_output_of_a_declared_resource_not_yet_applied_says_apply_it(sandbox: Sandbox) -> None:
    result = sandbox.run("output", "tags.members-active", "name")
    assert result.code == 1
    assert result.err.strip() == "Error: tags.members-active is not in state: apply it first"


def test_state_mv_away_from_a_declared_address_is_refused(applied: Sandbox) -> None:
    before = _state(applied)
    typo = applied.run("state", "mv", "tags.members-active", "tags.membrs-active")
    assert typo.code == 1
    assert typo.err.strip() == (
        "Error: tags.membrs-active is not declared in manifests, and tags.members-active still "
        "is: rename the resource in its manifest first, then move its state; nothing was "
        "changed")
    assert _state(applied) == before
    assert "tags.members-active\t" in before


def test_state_mv_to_a_mistyped_new_name_is_refused(applied: Sandbox) -> None:
    _rename_members(applied)
    before = _state(applied)
    typo = applied.run("state", "mv", "tags.members-active", "tags.members-curent")
    assert typo.code == 1
    assert typo.err.strip() == (
        "Error: tags.members-curent is not declared in manifests (did you mean "
        "'tags.members-current'?): rename the resource in its manifest first, then move its "
        "state; nothing was changed")
    assert _state(applied) == before


def _rename_members(sandbox: Sandbox) -> None:
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text().replace("  members-active:", "  members-current:"))
    syncs = sandbox.manifests / "data_syncs.yaml"
    syncs.write_text(syncs.read_text().replace("tag: members-active", "tag: members-current"))


def test_state_mv_after_renaming_in_the_manifest_leaves_nothing_to_do(applied: Sandbox) -> None:
    _rename_members(applied)
    moved = applied.run("state", "mv", "tags.members-active", "tags.members-current")
    assert moved.code == 0, moved.err
    assert applied.run("plan", "--detailed-exitcode").code == 0


def test_import_into_a_mistyped_address_names_the_one_meant(sandbox: Sandbox) -> None:
    (sandbox.manifests / "vip.yaml").write_text("tags: {vip: {name: VIP}}\n")
    result = sandbox.run("import", "tags.vipp", "3")
    assert result.code == 1
    assert "tags.vipp is not declared in manifests (did you mean 'tags.vip'?)" in result.err
    assert _state(sandbox) == ""
