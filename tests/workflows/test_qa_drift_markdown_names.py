"""Drift's markdown issue names unmanaged live objects by their own name, which may hold
backticks and pipes (QA pass): ``Gold | Silver `tier` `` once broke out of its code span,
so GitHub showed the row garbled. Each name is now one code span, its pipe escaped for the
table."""

from __future__ import annotations

from tests.cli.conftest import Sandbox


def test_a_live_tag_name_with_backticks_and_a_pipe_stays_one_code_span(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    for name in ("Gold | Silver `tier`", "`quoted`"):
        made = sandbox.api("POST", "/api/3/tags",
                           json={"tag": {"tag": name, "tagType": "contact"}})
        assert made.status_code in (200, 201), made.text

    drift = sandbox.run("drift", "--format", "markdown")

    assert drift.code == 2, drift.err
    rows = drift.out.splitlines()
    assert "| `` tags.Gold \\| Silver `tier` `` | unmanaged |  |" in rows
    assert "| `` tags.`quoted` `` | unmanaged |  |" in rows
    assert "| `tags.VIP` | unmanaged (ignored) |  |" in rows
