"""Say in markdown how a re-plan differs from the reviewed plan (two saved plan files).

Reviewers approve the re-plan on what changed since their review: changes it adds, changes it
no longer makes, and changes it makes differently. Platform-neutral (GitHub and GitLab recipes
carry the same file). Usage: plan_diff.py REVIEWED.cbplan REPLAN.cbplan > differences.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SYMBOLS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "adopt": "<="}


def changes(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["changes"]


def _shape(change: dict[str, Any]) -> tuple[str, list[tuple[str, str, str]]]:
    diffs = sorted((d["field"], json.dumps(d.get("before"), sort_keys=True),
                    json.dumps(d.get("after"), sort_keys=True))
                   for d in change.get("diffs", []))
    return change["action"], diffs


def _line(change: dict[str, Any]) -> str:
    fields = ", ".join(f"`{d['field']}`" for d in change.get("diffs", []))
    symbol = SYMBOLS.get(change["action"], change["action"])
    return f"- `{symbol}` `{change['address']}` {change['action']}" + (
        f" ({fields})" if fields else "")


def differences(reviewed: list[dict[str, Any]], replan: list[dict[str, Any]]) -> str:
    """Markdown naming each change the re-plan adds, drops or makes differently."""
    before = {c["address"]: c for c in reviewed}
    after = {c["address"]: c for c in replan}
    added = [after[a] for a in after if a not in before]
    dropped = [before[a] for a in before if a not in after]
    changed = [a for a in after if a in before and _shape(after[a]) != _shape(before[a])]
    if not (added or dropped or changed):
        return "The re-plan makes exactly the changes of the reviewed plan.\n"
    out = ["How the re-plan differs from the reviewed plan:", ""]
    if added:
        out += ["**Not in the reviewed plan** (review these):", *map(_line, added), ""]
    if dropped:
        out += ["**No longer planned** (already done, or undone by a later merge):",
                *map(_line, dropped), ""]
    if changed:
        out += ["**Planned differently**:"]
        out += [f"{_line(after[a])}: {_how(before[a], after[a])}" for a in changed]
        out.append("")
    return "\n".join(out)


def _value(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return f"`{text if len(text) <= 60 else text[:57] + '...'}`"


def _how(reviewed: dict[str, Any], now: dict[str, Any]) -> str:
    if reviewed["action"] != now["action"]:
        return f"reviewed as {reviewed['action']}"
    old = {d["field"]: d.get("after") for d in reviewed.get("diffs", [])}
    new = {d["field"]: d.get("after") for d in now.get("diffs", [])}
    fields = sorted(f for f in set(old) | set(new) if old.get(f, ...) != new.get(f, ...))
    parts = [f"`{f}` to {_value(new[f]) if f in new else '(unchanged)'}, reviewed as "
             f"{_value(old[f]) if f in old else '(unchanged)'}" for f in fields]
    return "; ".join(parts) or "the values it changes from differ"


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: plan_diff.py REVIEWED.cbplan REPLAN.cbplan")
    sys.stdout.write(differences(changes(Path(sys.argv[1])), changes(Path(sys.argv[2]))))
