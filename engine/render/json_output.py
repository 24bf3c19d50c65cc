"""Stable JSON (keys sorted) for plans and drift reports.

The documents are described field by field in engine/artifacts.py (``PlanDoc``, ``DriftDoc``),
which versions them and generates their JSON Schemas. Secret values are masked as
``"(sensitive)"``.
"""

from __future__ import annotations

import json
from typing import Any

from engine.drift import DriftReport
from engine.plan.model import Plan
from engine.render.values import mask


def plan_document(plan: Plan) -> dict[str, Any]:
    data = plan.to_dict()
    for change in data["changes"]:
        secret = plan.secret_fields.get(change["kind"], [])
        change["before"] = mask(change["before"], secret)
        change["after"] = mask(change["after"], secret)
        for d in change["diffs"]:
            if d["field"] in secret:
                d["before"] = mask({"v": d["before"]}, ["v"])["v"]  # type: ignore[index]
                d["after"] = mask({"v": d["after"]}, ["v"])["v"]  # type: ignore[index]
    return data


def plan_json(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, sort_keys=True) + "\n"


def drift_json(report: DriftReport) -> str:
    data = report.to_dict()
    for item in data["items"]:
        secret = report.secret_fields.get(item["kind"], [])
        for d in item["diffs"]:
            if d["field"] in secret:
                d["before"] = d["after"] = "(sensitive)"
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
