"""Renames: ``moved`` entries carried into the diff, and renames nobody declared refused.

Pure, like the diff. A ``moved`` entry hands the state entry of its ``from`` address to its
``to`` address before diffing, so the renamed resource keeps its live object (an update at most,
never a create and a destroy). A plan that still creates one object and destroys another with the
same natural key is a rename without ``moved``: applying it would create a duplicate the service
refuses (or, worse, accepts) after other changes went through, so it is refused before anything
changes, with the entry to add.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from engine.errors import PlanRefused
from engine.kinds import Kind
from engine.live_index import LiveIndex
from engine.manifests.moved import MOVED_KEY, Move, entry_error
from engine.plan.model import Change, PlanWarning
from engine.references import Ref
from engine.resources import closest_address, split_address
from engine.state.base import ResourceRecord


def moved_state(state: Mapping[str, ResourceRecord], moves: Sequence[Move],
                declared: Collection[str] | None = None
                ) -> tuple[dict[str, ResourceRecord], dict[str, str]]:
    """State as the ``moved`` entries make it, and each moved address's old address.

    An entry whose ``from`` is no longer in state was applied before (or never mattered): it
    does nothing, whether or not ``to`` is still ``declared`` (history may outlive the
    resource). One whose ``to`` is in state as well, or (given ``declared``) not declared while
    ``from`` is still in state, cannot be made.
    """
    result = dict(state)
    moved: dict[str, str] = {}
    for move in moves:
        record = result.get(move.source)
        if record is None:
            continue
        if move.target in result:
            raise entry_error(move, f"cannot move {move.source} to {move.target}: state "
                                    f"manages both (ids {record.remote_id} and "
                                    f"{result[move.target].remote_id}). Remove the entry, or "
                                    "forget one with 'callboard state rm'")
        if declared is not None and move.target not in declared:
            hint = closest_address(move.target, declared)
            raise entry_error(move, f"moves {move.source} to {move.target}, which no "
                                    f"manifest declares{hint}: declare {move.target} (the "
                                    f"renamed resource), or remove the entry to delete "
                                    f"{move.source}")
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


def lookalike_renames(changes: Sequence[Change], kinds: Mapping[str, Kind],
                      index: LiveIndex) -> list[tuple[Change, Change, str]]:
    """(create, delete, what they share) pairs of one kind whose objects are the same in
    practice (``Kind.same_object_fields``) under two NAMEs: a rename without ``moved`` that
    ``rename_conflicts`` cannot see, as the natural key changed with the NAME."""
    gone = []
    for change in changes:
        obj = index.by_id(change.kind, change.remote_id) if change.action == "delete" else None
        if obj is not None:
            gone.append((change, obj.value))
    pairs: list[tuple[Change, Change, str]] = []
    for change in changes:
        if change.action != "create":
            continue
        kind = kinds[change.kind]
        made = kind.planned(change.after or {})
        for deleted, old in gone:
            shared = _shared(kind, made, old) if deleted.kind == change.kind else None
            if shared:
                pairs.append((change, deleted, shared))
    return pairs


def _shared(kind: Kind, made: Any, old: Any) -> str | None:
    """``list 'Members' and tag 'Member'``: the kind's identifying fields, when every one is
    set and equal in both objects (empty, so no pair, for a kind that names none)."""
    parts = []
    for name in kind.same_object_fields:
        value = getattr(made, name, None)
        if value is None or value != getattr(old, name, None):
            return None
        parts.append(f"{name} {value.describe() if isinstance(value, Ref) else repr(value)}")
    return " and ".join(parts)


def lookalike_warning(created: Change, deleted: Change, shared: str,
                      kind: Kind) -> PlanWarning:
    """Shown, never fatal: replacing an object on purpose stays possible. Says what the delete
    loses (what state holds about it) and the ``moved`` entry that keeps it."""
    lost = " and ".join(impact.replace("_", " ") for impact in kind.state_impact) or "state"
    return PlanWarning(
        f"looks like {deleted.address} renamed (same {shared}): its {lost} "
        f"is lost on delete; if it is a rename, add to the manifests: {MOVED_KEY}: "
        f"[{{from: {deleted.address}, to: {created.address}}}]",
        created.address, created.origin)
