"""Nightly drift opens an issue with ``drift --format markdown``: however much drifted, the body
stays under GitHub's 65,536-character limit, counts first, and says what it left out."""

from __future__ import annotations

import json
import re

from tests.cli.conftest import Sandbox

HAND_MADE = 2_000


def _hand_made_tags(sandbox: Sandbox, count: int) -> None:
    """Tags someone made in the Prospect2 UI, written into the sandbox's saved organization
    (as an administrator's history would be; thousands of API calls would only be slow)."""
    saved = sandbox.root / ".callboard" / "sandbox" / "prospect2.json"
    world = json.loads(saved.read_text())
    tags = world["tables"]["tags"]
    first = world["next_ids"]["tags"]
    for n in range(count):
        tags.append({**tags[0], "id": first + n, "tag": f"Hand-made {n:04d}",
                     "description": "made in the Prospect2 UI"})
    world["next_ids"]["tags"] = first + count
    saved.write_text(json.dumps(world))


def test_drift_markdown_of_2000_unmanaged_tags_is_capped(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    _hand_made_tags(sandbox, HAND_MADE)
    result = sandbox.run("drift", "--format", "markdown")
    assert result.code == 2, result.err
    body = result.out
    assert len(body) < 60_000
    lines = body.splitlines()
    assert lines[0] == "<!-- callboard-drift -->"
    assert re.fullmatch(rf"### Callboard drift: 0 changed, 0 deleted, {HAND_MADE} unmanaged, "
                        r"\d+ ignored", lines[1])
    rows = [line for line in lines if line.startswith("| `")]
    more = re.search(r"\| _…and (\d+) more_ \| \| \|", body)
    note = re.search(r"_Truncated: (\d+) of (\d+) items are not shown", body)
    assert more and note
    assert int(more.group(1)) == int(note.group(1))
    assert len(rows) + int(note.group(1)) == int(note.group(2)) > HAND_MADE
    assert "Run `callboard drift` or `--format json` for the full report" in body


def test_small_drift_markdown_is_not_truncated(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    _hand_made_tags(sandbox, 3)
    body = sandbox.run("drift", "--format", "markdown").out
    assert "Truncated" not in body and "more_" not in body
    assert "| `tags.Hand-made 0002` | unmanaged |  |" in body
