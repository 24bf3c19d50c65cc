"""Renames: ``moved`` entries carried into the diff, and renames nobody declared refused.

Pure, like the diff. A ``moved`` entry hands the state entry of its ``from`` address to its
``to`` address before diffing, so the renamed resource keeps its live object (an update at most,
never a create and a destroy). A plan that still creates one object and destroys another with the
same natural key is a rename without ``moved``: applying it would create a duplicate the service
refuses (or, worse, accepts) after other changes went through, so it is refused before anything
changes, with the entry to add.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from engine.errors import ManifestError, PlanRefused
from engine.kinds import Kind
from engine.live_index import LiveIndex
from engine.manifests.moved import MOVED_KEY, Move
from engine.plan.model import Change
from engine.resources import split_address
from engine.state.base import ResourceRecord


def moved_state(state: Mapping[str, ResourceRecord], moves: Sequence[Move]
                ) -> tuple[dict[str, ResourceRecord], dict[str, str]]:
    """State as the ``moved`` entries make it, and each moved address's old address.

    An entry whose ``from`` is no longer in state was applied before (or never mattered): it
    does nothing. One whose ``to`` is in state as well cannot be made.
    """
    result = dict(state)
    moved: dict[str, str] = {}
    for move in moves:
        record = result.get(move.source)
        if record is None:
            continue
        if move.target in result:
            origin = move.origin
            raise ManifestError(
                f"cannot move {move.source} to {move.target}: state manages both (ids "
                f"{record.remote_id} and {result[move.target].remote_id}). Remove the entry, "
                f"or forget one with 'callboard state rm'", field=MOVED_KEY,
                file=origin.file if origin else None, line=origin.line if origin else None)
        del result[move.source]
        result[move.target] = replace(record, address=move.target,
                                      name=split_address(move.target)[1])
        moved[move.target] = move.source
    return result, moved


def rename_conflicts(changes: Sequence[Change], kinds: Mapping[str, Kind],
                     index: LiveIndex) -> list[tuple[Change, Change]]:
    """(create, delete) pairs of one kind whose objects share a natural key (compared without
    case: services refuse names that differ only in case as duplicates)."""
    deleted: dict[tuple[str, str], Change] = {}
    for change in changes:
        obj = index.by_id(change.kind, change.remote_id) if change.action == "delete" else None
        if obj is not None:
            deleted.setdefault((change.kind, obj.key.casefold()), change)
    pairs: list[tuple[Change, Change]] = []
    for change in changes:
        if change.action != "create":
            continue
        kind = kinds[change.kind]
        key = kind.key(kind.planned(change.after or {}))
        gone = deleted.get((change.kind, key.casefold()))
        if gone is not None:
            pairs.append((change, gone))
    return pairs


def refuse_unmoved_renames(pairs: Sequence[tuple[Change, Change]],
                           kinds: Mapping[str, Kind]) -> None:
    """PlanRefused naming the ``moved`` entries that would make these renames."""
    if not pairs:
        return
    lines = []
    for created, deleted in pairs:
        key = kinds[created.kind].key(kinds[created.kind].planned(created.after or {}))
        lines.append(f"{created.address} would be created and {deleted.address} destroyed, "
                     f"but both are the {created.kind} object {key!r}")
    entries = "\n".join(f"    {Move(deleted.address, created.address).entry()}"
                        for created, deleted in pairs)
    renamed = (f"you renamed {pairs[0][1].address}" if len(pairs) == 1
               else "these are renames")
    raise PlanRefused(
        "plan refused: " + "; ".join(lines) + f". If {renamed}, say so in a manifest and plan "
        f"again:\n\n  {MOVED_KEY}:\n{entries}\n\n(or move the state with 'callboard state "
        "mv'). To really replace an object, remove the old one in one apply and declare the "
        "new one in the next. Nothing was changed.")
