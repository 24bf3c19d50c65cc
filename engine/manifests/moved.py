"""``moved:`` entries: renames of a resource's NAME, declared rather than guessed (spec §2).

A manifest file may hold, beside its kinds, a top-level ``moved:`` list::

    moved:
      - {from: tags.vip, to: tags.very-important}

Plan then moves the state entry of ``tags.vip`` to ``tags.very-important`` (no API call), as
Terraform's ``moved`` blocks do. An entry stays harmless once applied: with ``from`` gone from
state it does nothing, so entries may be kept as a record of history, even after ``to`` is
deleted. Whether ``to`` must be declared therefore depends on state: the planner checks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from engine.errors import ManifestError
from engine.manifests.yaml_source import key_line, node_line
from engine.providers import KindRegistry
from engine.resources import Origin, split_address

#: The top-level key of a manifest file that holds renames (never a kind's name).
MOVED_KEY = "moved"


@dataclass(frozen=True)
class Move:
    """One ``{from: KIND.OLD, to: KIND.NEW}`` entry and where it is written."""

    source: str
    target: str
    origin: Origin | None = None

    @property
    def kind(self) -> str:
        return split_address(self.target)[0]

    def entry(self) -> str:
        """The entry as a user writes it."""
        return f"- {{from: {self.source}, to: {self.target}}}"


def read_moves(entries: Any, root: CommentedMap, display: str
               ) -> tuple[list[Move], list[ManifestError]]:
    """The ``moved:`` list of one file: each item a mapping of exactly ``from`` and ``to``."""
    line = key_line(root, MOVED_KEY, 1)
    if entries is None:
        return [], []
    if not isinstance(entries, CommentedSeq):
        return [], [ManifestError("must be a list of {from: KIND.NAME, to: KIND.NAME}",
                                  file=display, line=line, field=MOVED_KEY)]
    moves: list[Move] = []
    errors: list[ManifestError] = []
    for index, item in enumerate(entries):
        where = Origin(display, key_line(entries, index, line))
        field = f"{MOVED_KEY}.{index}"
        keys = set(item) if isinstance(item, CommentedMap) else set()
        values = [item.get(k) for k in ("from", "to")] if keys else []
        if keys != {"from", "to"} or not all(isinstance(v, str) and v for v in values):
            extra = sorted(str(k) for k in keys - {"from", "to"})
            hint = f" (unknown key {extra[0]!r})" if extra else ""
            errors.append(ManifestError(
                f"each entry is {{from: KIND.OLD_NAME, to: KIND.NEW_NAME}}{hint}",
                file=display, line=node_line(item, where.line), field=field))
            continue
        moves.append(Move(str(values[0]), str(values[1]), where))
    return moves, errors


def check_moves(moves: list[Move], declared: set[str],
                registry: KindRegistry) -> list[ManifestError]:
    """Every way a set of ``moved`` entries cannot be right, each at its file:line."""
    chained = _chain_problems(moves)
    if chained:  # the entries contradict each other: the declarations cannot fit them all
        return chained
    return [error for move in moves
            if (error := _entry_problem(move, declared, registry)) is not None]


def _entry_problem(move: Move, declared: set[str],
                   registry: KindRegistry) -> ManifestError | None:
    """What is wrong with one entry whatever state holds (``to`` undeclared may be history:
    ``moved_state`` decides that against state)."""
    for addr in (move.source, move.target):
        kind, name = split_address(addr)
        if not name:
            return entry_error(move, f"{addr!r} is not an address: write KIND.NAME "
                                     "(e.g. tags.vip)")
        if kind not in registry:
            return entry_error(move, f"{addr}: unknown resource kind {kind!r}; kinds: "
                                     f"{', '.join(registry.names())}")
    if move.source == move.target:
        return entry_error(move, f"moves {move.source} to itself: remove the entry")
    if split_address(move.source)[0] != move.kind:
        return entry_error(move, f"cannot move {move.source} to another kind "
                                 f"({move.target}): a resource keeps its kind; declare the "
                                 "new one and remove the old")
    if move.source in declared:
        return entry_error(move, f"moves {move.source} to {move.target}, but {move.source} "
                                 "is still declared: remove or rename it in its manifest")
    return None


def _chain_problems(moves: list[Move]) -> list[ManifestError]:
    """Two entries from one address or into one address, and chains (``a -> b``,
    ``b -> c``: write ``a -> c``); a cycle is a chain that comes back."""
    errors: list[ManifestError] = []
    by_source: dict[str, Move] = {}
    by_target: dict[str, Move] = {}
    for move in moves:
        for seen, addr, word in ((by_source, move.source, "from"),
                                 (by_target, move.target, "to")):
            first = seen.setdefault(addr, move)
            if first is not move:
                errors.append(entry_error(move, f"a second entry {word} {addr} (the first is "
                                                f"at {first.origin}): one address moves once"))
    for move in moves:
        after = by_source.get(move.target)
        if after is None or after is move:
            continue
        if after.target == move.source:
            errors.append(entry_error(
                move, f"{move.source} -> {move.target} -> {after.target} is a cycle (the other "
                      f"entry is at {after.origin}): remove both entries"))
        else:
            errors.append(entry_error(
                move, f"{move.source} -> {move.target} -> {after.target} is a chain (the next "
                      f"entry is at {after.origin}): write one entry "
                      f"{{from: {move.source}, to: {after.target}}}"))
    return errors


def entry_error(move: Move, message: str) -> ManifestError:
    """An error at the ``moved`` entry's file:line."""
    origin = move.origin
    return ManifestError(message, file=origin.file if origin else None,
                         line=origin.line if origin else None, field=MOVED_KEY)
