"""A managed object deleted in the UI and made again there by hand, same name (QA pass).

Someone deletes the tag ``Donor - Lapsed`` in Prospect2, then makes it again by hand. The plan
once said ``+ tags.lapsed-donors will be created ... was deleted outside Callboard; it will be
created again`` although the tag was there; ``apply`` without a plan took it over, but the
saved plan a pipeline reviews was refused (exit 3, "a tags object 'Donor - Lapsed' was created
since the plan was made", though it existed before the plan), and so was every new one.

Now the plan takes over the live object of that name (an update of what differs), says so,
and its saved plan applies."""

from __future__ import annotations

from tests.cli.conftest import Sandbox

NAME = "Donor - Lapsed"


def _live(sandbox: Sandbox) -> list[tuple[str, str]]:
    tags = sandbox.api("GET", f"/api/3/tags?search={NAME}").json()["tags"]
    return [(t["id"], t["description"]) for t in tags if t["tag"] == NAME]


def test_a_tag_made_again_by_hand_is_taken_over_by_the_saved_plan(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    [(old_id, _)] = _live(sandbox)
    assert sandbox.api("DELETE", f"/api/3/tags/{old_id}").status_code == 200
    made = sandbox.api("POST", "/api/3/tags", json={"tag": {
        "tag": NAME, "tagType": "contact", "description": "made again by hand"}})
    new_id = made.json()["tag"]["id"]

    plan = sandbox.run("plan", "--out", "plan.cbplan")

    assert plan.code == 0, plan.err
    assert (f"  # tags.lapsed-donors will be updated in place  [manifests/tags.yaml:12]\n"
            f"  ~ tags.lapsed-donors  (id {new_id})\n"
            '  ~     description = "made again by hand" -> "Gave in the last three seasons '
            'but not this one"\n'
            f"        note: was deleted outside Callboard (id {old_id}); Callboard will "
            f"manage the object made since with its name (id {new_id})\n") in plan.out
    assert "0 to add, 1 to change" in plan.out

    applied = sandbox.run("apply", "plan.cbplan")

    assert applied.code == 0, applied.err
    assert f"tags.lapsed-donors: updated (id {new_id})" in applied.out
    assert _live(sandbox) == [(new_id, "Gave in the last three seasons but not this one")]
    assert f"tags.lapsed-donors\t{new_id}" in sandbox.run("state", "list").out
    assert sandbox.run("plan", "--detailed-exitcode").code == 0


def test_the_same_object_made_again_unchanged_is_adopted(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    [(old_id, description)] = _live(sandbox)
    assert sandbox.api("DELETE", f"/api/3/tags/{old_id}").status_code == 200
    made = sandbox.api("POST", "/api/3/tags", json={"tag": {
        "tag": NAME, "tagType": "contact", "description": description}})
    new_id = made.json()["tag"]["id"]

    plan = sandbox.run("plan", "--out", "plan.cbplan")

    assert plan.code == 0, plan.err
    assert f" <= tags.lapsed-donors  (id {new_id})" in plan.out
    assert "0 to add, 0 to change, 0 to replace, 0 to destroy, 1 to adopt" in plan.out
    assert sandbox.run("apply", "plan.cbplan").code == 0
    assert _live(sandbox) == [(new_id, description)]
    assert f"tags.lapsed-donors\t{new_id}" in sandbox.run("state", "list").out
    assert sandbox.run("plan", "--detailed-exitcode").code == 0
