"""``validate``: what a check of the manifests found, offline or against the live services."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.errors import CallboardError, ManifestError, ManifestErrors
from engine.manifests.loader import ManifestSet
from engine.plan.model import PlanWarning
from engine.plan.planner import resolve_desired
from engine.session import Session


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


def manifest_problems(error: CallboardError) -> list[ManifestError]:
    """The manifest problems an error carries, one per problem (other errors: one each line)."""
    if isinstance(error, ManifestErrors):
        return list(error.errors)
    if isinstance(error, ManifestError):
        return [error]
    return [ManifestError(message) for message in str(error).splitlines()]


async def validate_online(session: Session, manifests: ManifestSet) -> list[PlanWarning]:
    """Both services answer, their reference data holds, and every reference resolves."""
    await session.check_all()
    problems = await session.online_problems()
    if problems:
        raise CallboardError("\n".join(problems))
    live = await session.read_live(manifests.kinds())
    _, warnings = await resolve_desired(session, manifests, live)
    return warnings
