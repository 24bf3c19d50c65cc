"""The two CI runners the recipe tests use read conditions as GitHub and GitLab document."""

from __future__ import annotations

from tests.pipelines.gha_expressions import Evaluator
from tests.pipelines.gitlab_runner import glob_matches, rule_matches


def github(contexts: dict, ok: bool = True) -> Evaluator:
    return Evaluator(contexts, {"always": lambda: True, "success": lambda: ok,
                                "failure": lambda: not ok, "cancelled": lambda: False})


def test_github_expressions_follow_the_documented_semantics() -> None:
    ev = github({"needs": {"approve-replan": {"result": "success", "outputs": {}}},
                 "github": {"ref": "refs/heads/main", "event_name": "push"}})
    assert ev("needs.approve-replan.result == 'SUCCESS'") is True  # strings ignore case
    assert ev("needs.apply.outputs.pr == ''") is True  # a missing value is null, null == ''
    assert ev("needs.approve-replan.outputs.pr != ''") is False
    assert ev("github.ref != 'refs/heads/main' || 'fallback'") == "fallback"
    assert ev("!(github.event_name == 'push') && true") is False
    assert ev.interpolate("${{ github.ref == 'refs/heads/main' }}/x") == "true/x"
    assert ev.condition("github.event_name == 'push'") is True
    assert github({}, ok=False).condition("true") is False  # an if: is success() && (...)
    assert github({}, ok=False).condition("always() && true") is True


def test_gitlab_rules_follow_the_documented_semantics() -> None:
    variables = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main",
                 "CI_DEFAULT_BRANCH": "main", "EMPTY": ""}
    assert rule_matches('$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == '
                        '$CI_DEFAULT_BRANCH', variables)
    assert not rule_matches('$UNDEFINED == "x"', variables)
    assert rule_matches("$UNDEFINED == null", variables)
    assert not rule_matches("$EMPTY", variables)
    assert rule_matches('$CI_PIPELINE_SOURCE == "web" || $CI_PIPELINE_SOURCE == "push" && '
                        '$CI_COMMIT_BRANCH == "main"', variables)
    assert not rule_matches('($CI_PIPELINE_SOURCE == "web" || $CI_PIPELINE_SOURCE == "push") '
                            '&& $CI_COMMIT_BRANCH == "feature"', variables)
    assert glob_matches("manifests/**/*", "manifests/callboard.yaml")
    assert glob_matches("manifests/**/*", "manifests/deep/tags.yaml")
    assert not glob_matches("manifests/**/*", "callboard.yaml")
    assert not glob_matches("manifests/*", "manifests/deep/tags.yaml")
