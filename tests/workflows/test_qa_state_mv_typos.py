"""``state mv`` typos said in their own words (QA pass): a DST without its kind once read
"cannot move data_syncs.members to another kind (members2)", and SRC as DST "tags.newsletter
is already in state". Each changes nothing and moves no serial."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Sandbox


@pytest.mark.parametrize(("dst", "said"), [
    ("members2", "Error: members2 is not an address (KIND.NAME): did you mean "
                 "data_syncs.members2?"),
    ("data_syncs.members", "Error: data_syncs.members and data_syncs.members are the same "
                           "address: nothing to move"),
])
def test_state_mv_typos_change_nothing(sandbox: Sandbox, dst: str, said: str) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    before = sandbox.run("state", "list").out
    assert sandbox.run("plan", "--out", "plan.cbplan").code == 0

    moved = sandbox.run("state", "mv", "data_syncs.members", dst)

    assert moved.code == 1, moved.out
    assert moved.err.strip() == said
    assert sandbox.run("state", "list").out == before
    assert sandbox.run("apply", "plan.cbplan").code == 0  # the serial did not move
