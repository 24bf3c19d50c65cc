"""Text the services cannot hold is refused by ``validate`` with file:line, never at apply.

A name longer than Prospect2 keeps used to fail with a 422 half-way through an apply; one with
a blank at either end was trimmed by the service, so every plan showed the same update. Both are
manifest errors now, for every kind's names, titles, descriptions and notes. Values exactly at
a limit pass, and the emulator (which refuses longer ones as the service does) accepts them.
"""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox

TOO_LONG = {  # (file, text to replace, replacement)
    "tags": ("tags.yaml", "name: Member - Active", "name: " + "M" * 256),
    "field": ("custom_fields.yaml", "title: SEAT_LOCATION", "title: " + "S" * 256),
    "notes": ("csi_webhooks.yaml", "notes: Survey reply received.", "notes: " + "n" * 4001),
    "sync": ("data_syncs.yaml", "description: Lapsed donors for the renewal appeal series",
             "description: " + "d" * 1001),
    "activity": ("tessitura.yaml", "description: Pro2 Feedback",
                 "description: Pro2 Feedback for the box office"),
}
BLANKS = {
    "trailing": ("tags.yaml", "name: Donor - Lapsed", 'name: "Donor - Lapsed "'),
    "leading": ("csi_webhooks.yaml", "title: Post-show survey", 'title: " Post-show survey"'),
    "block": ("csi_webhooks.yaml", "notes: Completed the post-show survey.",
              "notes: |\n      Completed the post-show survey."),
}


def _edit(sandbox: Sandbox, edits: dict[str, tuple[str, str, str]]) -> None:
    for file, old, new in edits.values():
        path = sandbox.manifests / file
        text = path.read_text()
        assert old in text, (file, old)
        path.write_text(text.replace(old, new, 1))


def test_validate_refuses_text_over_each_limit_and_blanks(sandbox: Sandbox, snapshot) -> None:
    _edit(sandbox, TOO_LONG | BLANKS)
    result = sandbox.run("validate")
    assert result.code == 1
    assert result.err == snapshot
    data = json.loads(sandbox.run("validate", "--format", "json").out)
    assert data["valid"] is False
    where = {(e["file"], e["field"]) for e in data["errors"]}
    assert where == {
        ("manifests/tags.yaml", "tags.members-active.name"),
        ("manifests/tags.yaml", "tags.lapsed-donors.name"),
        ("manifests/custom_fields.yaml", "custom_fields.seat-location.title"),
        ("manifests/csi_webhooks.yaml", "csi_webhooks.survey-reply-logged.notes"),
        ("manifests/csi_webhooks.yaml", "csi_webhooks.post-show-survey.title"),
        ("manifests/csi_webhooks.yaml", "csi_webhooks.post-show-survey.notes"),
        ("manifests/data_syncs.yaml", "data_syncs.lapsed-donors.description"),
        ("manifests/tessitura.yaml", "activity_types.pro2-feedback.description"),
    }
    assert all(e["line"] for e in data["errors"])
    assert sandbox.run("apply", "--auto-approve").code == 1
    assert sandbox.run("state", "list").out == ""


def test_text_at_each_limit_is_applied_and_settles(sandbox: Sandbox) -> None:
    _edit(sandbox, {
        "tag": ("tags.yaml", "name: Member - Active", "name: " + "M" * 255),
        "tag description": ("tags.yaml", "description: Monthly newsletter readers",
                            "description: " + "m" * 1000),
        "field": ("custom_fields.yaml", "description: Seat location",
                  "description: " + "s" * 4000),
        "activity": ("tessitura.yaml", "description: Pro2 Feedback",
                     "description: Pro2 Feedback from patrons xyz"),
        "its webhook": ("csi_webhooks.yaml", "activity_type: Pro2 Feedback",
                        "activity_type: Pro2 Feedback from patrons xyz"),
    })
    assert sandbox.run("validate").code == 0
    applied = sandbox.run("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert sandbox.tag_id("M" * 255)
    assert sandbox.run("plan", "--detailed-exitcode").code == 0


def test_generate_leaves_out_an_object_no_manifest_could_hold(sandbox: Sandbox) -> None:
    made = sandbox.api("POST", "/api/3/tags", {"tag": {
        "tag": "Gala 2026", "tagType": "contact", "description": "Invited "}})
    assert made.status_code == 201, made.text
    result = sandbox.run("generate", "--kind", "tags")
    assert result.code == 0, result.err
    assert ("Not generated (declare it by hand once it can be): tags 'Gala 2026' (id "
            f"{made.json()['tag']['id']}): description: ends with a blank ('Invited ')") \
        in result.out
    assert not list(sandbox.manifests.glob("generated_*"))  # the rest is drift.ignore'd
    assert sandbox.run("validate").code == 0


def test_options_on_a_field_that_takes_none_are_refused_offline(sandbox: Sandbox) -> None:
    """Spec §2: ActiveCampaign refuses an option on a text field; ``validate`` (no service
    reached) says so at the options line, as ``plan`` does."""
    path = sandbox.manifests / "custom_fields.yaml"
    text = path.read_text()
    assert "    type: text\n" in text
    path.write_text(text.replace("    type: text\n", "    type: text\n    options: [A, B]\n", 1))
    line = path.read_text().splitlines().index("    options: [A, B]") + 1
    for command in ("validate", "plan"):
        result = sandbox.run(command)
        assert result.code == 1
        assert f"manifests/custom_fields.yaml:{line}: custom_fields." in result.err
        assert (".options: a text field takes no options; options belong to dropdown, listbox, "
                "radio and checkbox fields") in result.err
