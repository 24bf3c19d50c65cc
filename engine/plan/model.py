"""A plan is data: ordered changes, warnings and the state it was made against.

Every renderer (text, markdown, json) and the saved plan file read this one structure; nothing
else formats a change. Secret values never enter it: handlers keep them out of ``fields``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, Literal

from pydantic import ValidationError

from engine import __version__
from engine.artifacts import PLAN, PlanDoc
from engine.errors import PlanRefused, StalePlan

FORMAT_VERSION = PLAN.version

Action = Literal["create", "update", "replace", "delete", "adopt", "move"]
#: Symbols as Terraform users read them (``move``: a rename declared with ``moved``, which
#: changes only state).
SYMBOLS: dict[str, str] = {"create": "+", "update": "~", "replace": "-/+", "delete": "-",
                           "adopt": "<=", "move": "=>"}
#: A replace that creates the new object before it deletes the old one (Terraform's
#: ``create_before_destroy``), e.g. a Data Sync whose tag changes.
CREATE_FIRST_SYMBOL = "+/-"
ACTIONS: tuple[str, ...] = ("create", "update", "replace", "delete", "adopt", "move")


def fingerprint(fields: dict[str, Any] | None, version: str | None = None) -> str | None:
    """A short digest of a live object's comparable fields, to detect change since planning."""
    if fields is None:
        return None
    blob = json.dumps({"f": fields, "v": version}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class FieldDiff:
    field: str
    before: Any
    after: Any


@dataclass
class Change:
    action: Action
    address: str
    kind: str
    name: str
    remote_id: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    diffs: list[FieldDiff] = field(default_factory=list)
    replace_reason: str | None = None
    fingerprint: str | None = None
    origin: str | None = None
    notes: list[str] = field(default_factory=list)
    #: A create/adopt/update whose result must be recorded under this prevent_destroy switch.
    prevent_destroy: bool = False
    #: What a delete or replace means for people ("carried by 1,204 contacts").
    impact: str | None = None
    #: A replace makes the new object first, then deletes the old one (``+/-``); otherwise it
    #: deletes first (``-/+``), as natural keys are usually unique.
    create_before_destroy: bool = False
    #: Ids of the reference data ``after`` names, by path (``{"list": 101}``): apply writes
    #: exactly the rows the plan showed. A reference to an object this apply creates has none.
    ref_ids: dict[str, Any] = field(default_factory=dict)
    #: The address this resource had before a ``moved`` entry renamed it: apply moves its
    #: state entry first (no API call), then makes the change ``action`` says.
    moved_from: str | None = None
    #: The replaced objects whose new ids this update writes (``follower_changes``): a run
    #: resumed after they were replaced expects this object to differ from the plan.
    follows: list[str] = field(default_factory=list)

    @property
    def symbol(self) -> str:
        if self.action == "replace" and self.create_before_destroy:
            return CREATE_FIRST_SYMBOL
        return SYMBOLS[self.action]

    @property
    def destructive(self) -> bool:
        return self.action in ("delete", "replace")


@dataclass
class PlanWarning:
    message: str
    address: str | None = None
    origin: str | None = None


@dataclass
class Plan:
    id: str
    created_at: str
    lineage: str
    state_serial: int
    changes: list[Change] = field(default_factory=list)
    warnings: list[PlanWarning] = field(default_factory=list)
    managed_count: int = 0
    max_delete_fraction: float = 0.3
    #: Below this many managed resources the delete fraction is not checked (spec §5).
    min_managed: int = 10
    refresh_only: bool = False
    targets: list[str] = field(default_factory=list)
    #: Addresses the plan covers because the targets depend on them (a Data Sync's tag).
    target_dependencies: list[str] = field(default_factory=list)
    manifests: str = ""
    #: SHA-256 of the manifest files and settings the plan was made from (``manifest_digest``).
    manifest_digest: str = ""
    #: The Callboard that made the plan; another one refuses to apply it.
    callboard_version: str = __version__
    #: kind -> field names whose values every renderer masks.
    secret_fields: dict[str, list[str]] = field(default_factory=dict)
    #: provider -> {"calls": N, "seconds": S at its published rate}
    estimates: dict[str, dict[str, float]] = field(default_factory=dict)
    #: provider -> the address the plan was made against: applied only against the same.
    services: dict[str, str] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(ACTIONS, 0)
        for change in self.changes:
            out[change.action] += 1
        return out

    def safety_problems(self) -> list[str]:
        """Why this plan needs --force (octoDNS-style thresholds); empty when safe."""
        problems: list[str] = []
        destructive = [c for c in self.changes if c.destructive]
        if self.managed_count >= max(self.min_managed, 1) and destructive:
            share = len(destructive) / self.managed_count
            if share > self.max_delete_fraction:
                problems.append(
                    f"too many deletes and replaces: {share:.2%} is over "
                    f"{self.max_delete_fraction:.2%} ({len(destructive)}/{self.managed_count}) "
                    "of managed resources (safety.max_delete_fraction)")
        for change in destructive:
            if change.prevent_destroy:
                problems.append(f"{change.address} has lifecycle.prevent_destroy and would be "
                                f"{'replaced' if change.action == 'replace' else 'deleted'}")
        return problems

    def raise_if_unsafe(self, force: bool) -> None:
        problems = self.safety_problems()
        if problems and not force:
            raise PlanRefused("plan refused: " + "; ".join(problems) + ". Use --force to apply "
                              "it anyway.")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data = {"format_version": FORMAT_VERSION, **data}
        data["summary"] = self.counts()
        data["safety"] = self.safety_problems()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise StalePlan(f"plan file has format_version {version!r}; this Callboard reads "
                              f"version {FORMAT_VERSION}: make a new plan")
        changes = [Change(**{**c, "diffs": [FieldDiff(**d) for d in c.get("diffs", [])]})
                   for c in data["changes"]]
        warnings = [PlanWarning(**w) for w in data.get("warnings", [])]
        known = {k: data[k] for k in ("id", "created_at", "lineage", "state_serial",
                                      "managed_count", "max_delete_fraction", "min_managed",
                                      "refresh_only",
                                      "targets", "target_dependencies", "manifests",
                                      "manifest_digest",
                                      "callboard_version", "secret_fields", "estimates",
                                      "services")
                 if k in data}
        return cls(changes=changes, warnings=warnings, **known)


def _with_defaults(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls)
                     if f.default is not MISSING or f.default_factory is not MISSING)


#: What a plan file may leave out (Plan.from_dict fills it in), by where it sits; the summary
#: and safety lines are derived, never read back.
_MAY_LACK = {1: _with_defaults(Plan) | {"summary", "safety"}}
_MAY_LACK_IN = {"changes": _with_defaults(Change), "warnings": _with_defaults(PlanWarning)}


def plan_file_problem(data: dict[str, Any]) -> str | None:
    """The first thing that makes ``data`` no plan this Callboard wrote (``changes.3.action:
    …``), or None. A plan of another format_version is left to ``Plan.from_dict``, which
    refuses it as such; a field with a default may be left out (a plan written by a tool)."""
    if not PLAN.accepts(data):
        return None
    try:
        PlanDoc.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"]
            lacking = _MAY_LACK.get(len(loc), frozenset()) if len(loc) == 1 else (
                _MAY_LACK_IN.get(str(loc[0]), frozenset()) if len(loc) == 3 else frozenset())
            if err["type"] == "missing" and loc[-1] in lacking:
                continue
            return f"{'.'.join(str(p) for p in loc)}: {err['msg']}"
    return None
