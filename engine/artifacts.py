"""Every JSON document Callboard writes, versioned one way (as dbt-core's artifacts).

Each document starts with ``format_version``, an integer raised when a field is removed or
changes meaning (a new field may appear within a version). Readers refuse a version they do
not know instead of guessing. The models below describe the documents exactly; the JSON Schema
files shipped in ``engine/schemas/`` are generated from them (``python -m engine.artifacts``)
and a test keeps the two identical and checks real outputs against them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldDiffDoc(_Strict):
    field: str
    before: Any
    after: Any


class WarningDoc(_Strict):
    message: str
    address: str | None
    origin: str | None


class ChangeDoc(_Strict):
    action: Literal["create", "update", "replace", "delete", "adopt", "move"]
    address: str
    kind: str
    name: str
    remote_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    diffs: list[FieldDiffDoc]
    replace_reason: str | None
    fingerprint: str | None
    origin: str | None
    notes: list[str]
    prevent_destroy: bool
    impact: str | None
    #: A replace that creates the new object before deleting the old one (shown ``+/-``).
    create_before_destroy: bool
    #: Reference ids the plan resolved (field -> id), so apply writes exactly those.
    ref_ids: dict[str, Any]
    #: The address a ``moved`` entry renamed this resource from (its state entry moves first,
    #: with no API call); null when it was not renamed.
    moved_from: str | None
    #: Replaced objects whose new ids this update writes (a Data Sync re-written to carry a
    #: replaced custom field); empty for every other change.
    follows: list[str] = []


class PlanSummaryDoc(_Strict):
    create: int
    update: int
    replace: int
    delete: int
    adopt: int
    move: int


class EstimateDoc(_Strict):
    calls: float
    seconds: float


class PlanDoc(_Strict):
    """A plan (``plan --format json`` and the saved plan file alike)."""

    format_version: int
    id: str
    created_at: str
    lineage: str
    state_serial: int
    changes: list[ChangeDoc]
    warnings: list[WarningDoc]
    managed_count: int
    max_delete_fraction: float
    min_managed: int
    refresh_only: bool
    targets: list[str]
    #: What the plan covers beyond ``targets`` because the targets depend on it.
    target_dependencies: list[str]
    manifests: str
    manifest_digest: str
    callboard_version: str
    secret_fields: dict[str, list[str]]
    estimates: dict[str, EstimateDoc]
    #: provider -> the service address the plan was made against (no credentials); apply
    #: refuses the plan anywhere else.
    services: dict[str, str] = {}
    summary: PlanSummaryDoc
    safety: list[str]


class DriftItemDoc(_Strict):
    type: Literal["changed", "deleted", "unmanaged"]
    address: str
    kind: str
    remote_id: str | None
    diffs: list[FieldDiffDoc]
    ignored: bool


class DriftSummaryDoc(_Strict):
    changed: int
    deleted: int
    unmanaged: int
    ignored: int


class DriftDoc(_Strict):
    """``drift --format json``."""

    format_version: int
    drift: bool
    summary: DriftSummaryDoc
    items: list[DriftItemDoc]
    secret_fields: dict[str, list[str]]


class PreviewCountsDoc(_Strict):
    list: int
    baseline: int
    constituents_joined: int
    constituents_left: int
    add: int
    resync: int
    retry: int
    remove: int
    kept_shared: int


class SyncPreviewDoc(_Strict):
    """``sync preview NAME --format json``: what a run would do now."""

    format_version: int
    sync: str
    list_id: int
    regenerated: bool
    unfinished_run: bool
    counts: PreviewCountsDoc
    add: list[str]
    resync: list[str]
    retry: list[str]
    remove: list[str]
    #: Contact data: the custom fields (perstags) each import fills.
    contact_fields: list[str]
    #: Whether values are shown (``--show-values``) or masked as ``***``.
    values_shown: bool
    #: Each re-sync's values by perstag (null: left out, it does not fit its field).
    resync_values: dict[str, dict[str, str | None]]
    #: Addresses whose import leaves a value out, with why ("PERSTAG: why").
    values_left_out: dict[str, list[str]]
    #: Why a run would stop before any write (safety.sync_max_remove_fraction, an emptied
    #: list) unless given --force; null when it would run.
    needs_force: str | None = None
    #: Why the run starts from an empty baseline and tags every member again (the sync's tag
    #: was deleted and made again since the last run); null otherwise.
    tag_changed: str | None = None


class SyncRunDoc(_Strict):
    address: str
    sync_id: str
    run_id: str
    started_at: str
    status: Literal["running", "succeeded", "failed", "stopped", "interrupted"]
    finished_at: str | None
    resumed: bool
    #: ``resumed``: the run id of the interrupted run whose work this one finished.
    completes: str
    list_size: int
    constituents_added: int
    constituents_removed: int
    added: int
    resynced: int
    retried: int
    removed: int
    kept_shared: int
    #: Listed constituents with no address the sync's filters let through: not synced (not
    #: in the baseline), looked at again by every run.
    waiting: int
    rejected: dict[str, str]
    tessitura_calls: int
    prospect2_calls: int
    rate_limited: int
    message: str
    notify_error: str
    #: ``prospect2``: a run Prospect2 made itself (``runner: prospect2``), from its activity
    #: log, which holds the counts of addresses and the errors alone.
    run_by: Literal["callboard", "prospect2"]
    #: Contact data left out of imports (it does not fit its field): reason -> addresses.
    values_left_out: dict[str, int]
    #: Trigger webhooks: addresses whose tag's Contact Point Purpose was added / removed.
    purposes_added: int
    purposes_removed: int
    #: Addresses Tessitura answered ``not_found`` for (no constituent holds them now): in
    #: neither count above.
    purposes_not_found: int
    rejection_reasons: dict[str, int]


class SyncLogDoc(_Strict):
    """``sync log --format json``: past runs, oldest first."""

    format_version: int
    runs: list[SyncRunDoc]


class ProblemDoc(_Strict):
    """One manifest problem, where it is."""

    message: str
    file: str | None
    line: int | None
    field: str | None


class ValidateDoc(_Strict):
    """``validate --format json``: exit 1 when ``valid`` is false."""

    format_version: int
    valid: bool
    online: bool
    resources: int
    files: int
    errors: list[ProblemDoc]
    warnings: list[WarningDoc]


class ErrorBodyDoc(_Strict):
    kind: str
    message: str
    exit_code: int
    problems: list[ProblemDoc]


class ErrorDoc(_Strict):
    """What a command asked for ``--format json`` prints on stdout when it fails."""

    format_version: int
    error: ErrorBodyDoc


@dataclass(frozen=True)
class Artifact:
    name: str
    version: int
    model: type[BaseModel] | None  # None: kept in state only, no published schema
    title: str

    def stamp(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with this artifact's ``format_version`` first."""
        return {"format_version": self.version, **body}

    def accepts(self, data: dict[str, Any]) -> bool:
        """Whether this Callboard reads ``data`` (a document of this artifact)."""
        return data.get("format_version") == self.version


ARTIFACTS: dict[str, Artifact] = {a.name: a for a in (
    Artifact("plan", 1, PlanDoc, "Callboard plan"),
    Artifact("drift", 1, DriftDoc, "Callboard drift report"),
    Artifact("sync-preview", 1, SyncPreviewDoc, "Callboard Data Sync preview"),
    Artifact("sync-log", 1, SyncLogDoc, "Callboard Data Sync run log"),
    Artifact("validate", 1, ValidateDoc, "Callboard validation result"),
    Artifact("error", 1, ErrorDoc, "Callboard error"),
    Artifact("sync-run-plan", 2, None, "A Data Sync run frozen in state"),
)}
PLAN, DRIFT, SYNC_PREVIEW, SYNC_LOG, VALIDATE, ERROR, SYNC_RUN_PLAN = (
    ARTIFACTS[n] for n in ("plan", "drift", "sync-preview", "sync-log", "validate", "error",
                           "sync-run-plan"))
#: The outputs with a published JSON Schema (``callboard schema --output NAME``).
PUBLISHED = tuple(name for name, a in ARTIFACTS.items() if a.model is not None)


def schema_file(name: str) -> str:
    return f"{name}.schema.json"


def generate_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of artifact ``name``, generated from its model."""
    artifact = ARTIFACTS[name]
    assert artifact.model is not None, f"{name} has no published schema"
    body = artifact.model.model_json_schema()
    body["properties"]["format_version"] = {"const": artifact.version,
                                            "description": "Raised when a field is removed or "
                                            "changes meaning."}
    return {"$schema": SCHEMA_DIALECT, "$id": schema_file(name), "title": artifact.title,
            **body}


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def shipped_schema(name: str) -> str:
    """The schema file as shipped in the package (``engine/schemas/``)."""
    if name not in PUBLISHED:
        raise KeyError(name)
    return resources.files("engine.schemas").joinpath(schema_file(name)).read_text()


def write_schemas(directory: Path) -> list[Path]:
    """Regenerate the shipped files (run after changing a model above)."""
    written = []
    for name in PUBLISHED:
        path = directory / schema_file(name)
        path.write_text(schema_text(generate_schema(name)))
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_schemas(Path(__file__).parent / "schemas"):
        print(f"wrote {written_path}")
