"""``validate``: what a check of the manifests found, offline or against the live services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from engine.errors import CallboardError, ManifestError, ManifestErrors, PlanRefused
from engine.manifests.loader import ManifestSet
from engine.plan.model import Plan, PlanWarning
from engine.plan.planner import plan_changes, scope_kinds
from engine.session import Session
from engine.state.base import StateStore


@dataclass
class ValidationResult:
    online: bool
    resources: int = 0
    files: int = 0
    warnings: list[PlanWarning] = field(default_factory=list)
    errors: list[ManifestError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @classmethod
    def of(cls, manifests: ManifestSet, online: bool,
           warnings: list[PlanWarning]) -> ValidationResult:
        return cls(online=online, resources=len(manifests.resources), files=manifests.files,
                   warnings=warnings)


#: Error kinds that are findings about the manifests, reported inside validate's own document:
#: a plan refusal is one (``--online``: what plan would refuse), as a manifest problem is.
FINDINGS = frozenset({"manifest", "plan_refused"})


def manifest_problems(error: CallboardError) -> list[ManifestError]:
    """The manifest problems an error carries, one per problem (a plan refusal: one, however
    many lines it takes; other errors: one each line)."""
    if isinstance(error, ManifestErrors):
        return list(error.errors)
    if isinstance(error, ManifestError):
        return [error]
    if isinstance(error, PlanRefused):
        return [ManifestError(str(error))]
    return [ManifestError(message) for message in str(error).splitlines()]


async def validate_online(session: Session, manifests: ManifestSet,
                          state: StateStore) -> list[PlanWarning]:
    """Both services answer, their reference data holds, every reference resolves, and the
    plan these manifests make against live and state is one ``plan`` would not refuse (a key
    collision, a rename without ``moved``, a delete of what something still names): the same
    check, with the same messages, so a pull request's check fails before anything applies."""
    await session.check_all()
    problems = await session.online_problems()
    if problems:
        raise CallboardError("\n".join(problems))
    records = await asyncio.to_thread(state.resources)  # off the event loop: may be remote
    live = await session.read_live(
        {k for k in scope_kinds(manifests, records) if k in session.registry})
    draft = Plan(id="validate", created_at="", lineage="", state_serial=0)  # never saved
    await plan_changes(session, manifests, live, records, draft)
    return draft.warnings
