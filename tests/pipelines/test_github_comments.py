"""comment.py and drift_issue.py against a loopback stand-in of GitHub's REST API:
one comment of each kind however many pages a pull request has, one drift issue however many
runs raced, and a re-plan that never overwrites what was reviewed."""

from __future__ import annotations

from pathlib import Path

from tests.pipelines.github_standin import BOT, GitHubStandIn, Issue
from tests.pipelines.script_run import ScriptResult

PLAN = "<!-- callboard-plan -->"
DRIFT = "<!-- callboard-drift -->"


def post(github: GitHubStandIn, cwd: Path, issue: int, marker: str, body: str) -> ScriptResult:
    (cwd / "body.md").write_text(body)
    return github.run_script(cwd, "comment.py", "--issue", str(issue), "--marker", marker,
                  "--body-file", "body.md")


def test_the_plan_comment_on_a_later_page_is_updated_not_repeated(github: GitHubStandIn,
                                                                  tmp_path: Path) -> None:
    for n in range(180):
        github.comment(7, f"review remark {n}", login="a-reviewer")
    mine = github.comment(7, f"{PLAN}\nfirst plan", login=BOT)
    for n in range(70):
        github.comment(7, f"later remark {n}", login="a-reviewer")
    quoted = github.comment(7, f"{PLAN}\nquoting the bot", login="a-reviewer")

    result = post(github, tmp_path, 7, "callboard-plan", f"{PLAN}\nsecond plan")
    assert result.code == 0, result.out
    assert result.outputs["comment_id"] == str(mine.id)
    assert mine.body == f"{PLAN}\nsecond plan"
    assert quoted.body == f"{PLAN}\nquoting the bot"
    assert len(github.comments_on(7)) == 252
    pages = [r for r in github.log if r.path.endswith("/issues/7/comments") and r.method == "GET"]
    assert len(pages) == 3


def test_the_first_plan_creates_the_comment(github: GitHubStandIn, tmp_path: Path) -> None:
    assert post(github, tmp_path, 8, "callboard-plan", f"{PLAN}\nplan").code == 0
    assert post(github, tmp_path, 8, "callboard-plan", f"{PLAN}\nplan again").code == 0
    [only] = github.comments_on(8)
    assert (only.login, only.body) == (BOT, f"{PLAN}\nplan again")


def test_a_replan_comment_leaves_the_reviewed_one_alone(github: GitHubStandIn,
                                                        tmp_path: Path) -> None:
    reviewed = github.comment(9, f"{PLAN}\nthe reviewed plan", login=BOT)
    assert post(github, tmp_path, 9, "callboard-replan", "### Re-planned").code == 0
    assert post(github, tmp_path, 9, "callboard-apply", "Applied").code == 0
    bodies = [c.body for c in github.comments_on(9)]
    assert bodies == [f"{PLAN}\nthe reviewed plan", "<!-- callboard-replan -->\n### Re-planned",
                      "<!-- callboard-apply -->\nApplied"]
    assert reviewed.body == f"{PLAN}\nthe reviewed plan"


def test_a_body_over_githubs_limit_is_cut_and_says_so(github: GitHubStandIn,
                                                      tmp_path: Path) -> None:
    assert post(github, tmp_path, 10, "callboard-apply", "x" * 70_000).code == 0
    [made] = github.comments_on(10)
    assert len(made.body) <= 65_000
    assert made.body.rstrip().endswith("the full text is in the run's log._")


def drift(github: GitHubStandIn, cwd: Path, found: bool, text: str = "") -> ScriptResult:
    (cwd / "drift.md").write_text(text)
    return github.run_script(cwd, "drift_issue.py", "--found", str(found).lower(), "--report",
                  "drift.md", "--run-url", "https://ci.example/run/1")


def open_drift(github: GitHubStandIn) -> list[Issue]:
    return [i for i in github.issues.values() if i.state == "open" and i.body.startswith(DRIFT)]


def test_drift_opens_one_issue_and_updates_it(github: GitHubStandIn, tmp_path: Path) -> None:
    first = drift(github, tmp_path, True, "### Drift: 1 changed")
    assert first.code == 0, first.out
    again = drift(github, tmp_path, True, "### Drift: 2 changed")
    assert again.outputs["issue"] == first.outputs["issue"]
    [issue] = open_drift(github)
    assert issue.body == f"{DRIFT}\nFound by https://ci.example/run/1\n\n### Drift: 2 changed"
    assert len(github.issues) == 1


def test_issues_opened_by_racing_runs_are_closed_as_duplicates(github: GitHubStandIn,
                                                               tmp_path: Path) -> None:
    for n in range(120):  # the open drift issues are on the second page
        github.issues[1000 + n] = Issue(1000 + n, f"task {n}", "", BOT)
    older = github.issues[11] = Issue(11, "drift", f"{DRIFT}\nold", BOT)
    newer = github.issues[12] = Issue(12, "drift", f"{DRIFT}\nracing", BOT)
    by_person = github.issues[13] = Issue(13, "about drift", f"{DRIFT}\nhand", "a-person")
    result = drift(github, tmp_path, True, "### Drift: 3 changed")
    assert result.code == 0, result.out
    assert result.outputs["issue"] == "11"
    assert (older.state, newer.state, newer.state_reason) == ("open", "closed", "not_planned")
    assert "3 changed" in older.body
    assert [c.body for c in github.comments_on(12)] == ["Duplicate of #11."]
    assert len([r for r in github.log if r.path.endswith("/issues") and r.method == "GET"]) == 2
    assert by_person.state == "open" and by_person.body == f"{DRIFT}\nhand"


def test_a_clean_night_closes_the_drift_issue(github: GitHubStandIn, tmp_path: Path) -> None:
    assert drift(github, tmp_path, True, "### Drift").code == 0
    [issue] = open_drift(github)
    clean = drift(github, tmp_path, False)
    assert clean.code == 0 and clean.outputs["issue"] == ""
    assert (issue.state, issue.state_reason) == ("closed", "completed")
    assert [c.body for c in github.comments_on(issue.number)] == [
        "No drift any more: https://ci.example/run/1"]
    assert drift(github, tmp_path, False).code == 0 and len(github.issues) == 1


def test_a_huge_drift_report_fits_in_an_issue(github: GitHubStandIn, tmp_path: Path) -> None:
    assert drift(github, tmp_path, True, "| tag |\n" * 20_000).code == 0
    [issue] = open_drift(github)
    assert len(issue.body) <= 65_000 and "Cut here to fit" in issue.body
