"""A rule's problem with a nested field (a Data Sync's filter, a contact data field) pointed at
the line of the top-level key (`filters:`, `contact_data:`), lines away from the mistake, and a
contact data field left behind by a custom field's rename got no suggestion. The error now
names the line the mistake is on, and the field meant; nothing changes."""

from __future__ import annotations

from tests.cli.conftest import Sandbox


def _edit(sandbox: Sandbox, file: str, old: str, new: str) -> None:
    path = sandbox.manifests / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _refused_with(sandbox: Sandbox, expected: str) -> None:
    for command in (("plan",), ("apply", "--auto-approve")):
        result = sandbox.run(*command)
        assert result.code == 1, command
        assert result.err.strip() == expected
    assert sandbox.run("state", "list").out == ""


def test_a_renamed_custom_field_left_in_contact_data(sandbox: Sandbox) -> None:
    lines = (sandbox.manifests / "data_syncs.yaml").read_text().splitlines()
    assert lines[10].strip() == "membership-level: Membership Level"  # line 11
    _edit(sandbox, "custom_fields.yaml", "\n  membership-level:\n", "\n  member-level:\n")
    _edit(sandbox, "custom_fields.yaml", "perstag: MEMBERSHIP_LEVEL", "perstag: MEMBER_LEVEL")

    _refused_with(sandbox, (
        "Error: manifests/data_syncs.yaml:11: data_syncs.members.contact_data.fields."
        "MEMBERSHIP-LEVEL: MEMBERSHIP-LEVEL is not a custom field: neither declared under "
        "custom_fields nor in Prospect2 (did you mean 'member-level'?) (contact data fills "
        "custom fields; email and names come with every import)"))


def test_a_misspelt_purpose_in_a_filter_list(sandbox: Sandbox) -> None:
    lines = (sandbox.manifests / "data_syncs.yaml").read_text().splitlines()
    assert lines[14].strip() == "contact_point_purposes: [Newsletter]"  # line 15
    _edit(sandbox, "data_syncs.yaml", "contact_point_purposes: [Newsletter]",
          "contact_point_purposes: [Newsleter]")

    _refused_with(sandbox, (
        "Error: manifests/data_syncs.yaml:15: data_syncs.members.filters.contact_point_purposes"
        ".0: no contact point purpose is described 'Newsleter' (did you mean 'Newsletter'?); "
        "candidates: 'Newsletter' (id 1), 'Season Announcements' (id 2), 'Mail Appeals' "
        "(id 3)"))
