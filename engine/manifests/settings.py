"""``callboard.yaml``: project settings beside the manifests (spec §5)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SafetySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: A plan deleting or replacing more than this share of managed resources needs --force.
    max_delete_fraction: float = Field(0.3, ge=0.0, le=1.0)
    #: Below this many managed resources the delete fraction is not checked (octoDNS's
    #: floor): deleting 1 of 3 resources is a decision, not an accident.
    min_managed: int = Field(10, ge=0)
    #: A sync run removing the tag from more than this share of its baseline needs --force.
    sync_max_remove_fraction: float = Field(0.1, ge=0.0, le=1.0)


class OrganizationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value


class DriftSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: KIND.NAME-GLOB patterns of unmanaged live objects that drift lists but does not count.
    ignore: list[str] = []


class ProjectSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    safety: SafetySettings = SafetySettings()
    organization: OrganizationSettings = OrganizationSettings()
    drift: DriftSettings = DriftSettings()
