"""Run the GitLab CI recipe's pipeline the way GitLab would, on this machine.

``workflow:rules`` decide whether a pipeline is created; each job's ``rules`` (``if`` with
``$VAR == "…"``/``!=``/``&&``/``||``, ``changes`` globs, ``when: manual``) whether it is in it.
Jobs run by stage and ``needs``, each in a fresh workspace (the recipe's files plus the commit),
with ``extends``, ``before_script``/``script`` as one ``bash -eo pipefail`` script,
``after_script``, ``allow_failure: exit_codes``, artifacts (files and dotenv reports) passed to
the jobs that depend on them, and CI/CD variables given only to jobs whose environment matches
their scope (protected ones only on a protected branch). Manual jobs run when played.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.pipelines.script_run import REPO, read_outputs

RECIPE = REPO / "examples" / "gitlab-ci"
RESERVED = {"stages", "variables", "workflow", "default", "include", "image", "cache"}
PIP_INSTALL = ("python -m pip install --disable-pip-version-check -r "
               ".gitlab/callboard/requirements.txt")
_TOKEN = re.compile(r'\s*(?:(?P<var>\$\w+)|(?P<str>"[^"]*"|\'[^\']*\')|(?P<op>==|!=|&&|\|\||\(|\))'
                    r'|(?P<null>null))')


@dataclass
class Variable:
    value: str
    scope: str = "*"
    protected: bool = False


def load_pipeline() -> dict[str, Any]:
    return YAML(typ="safe").load((RECIPE / ".gitlab-ci.yml").read_text())


def rule_matches(expression: str, variables: dict[str, str]) -> bool:
    """A rules ``if:``: ``$VAR`` (undefined is null), strings, ``== != && ||``, parentheses."""
    tokens = [(m.lastgroup, m.group(m.lastgroup or "")) for m in _TOKEN.finditer(expression)
              if m.lastgroup]
    position = 0

    def value() -> Any:
        nonlocal position
        kind, text = tokens[position]
        position += 1
        if text == "(":
            result = either()
            position += 1
            return result
        if kind == "var":
            return variables.get(text[1:])
        return None if kind == "null" else text[1:-1]

    def compare() -> Any:
        nonlocal position
        left = value()
        if position < len(tokens) and tokens[position][1] in ("==", "!="):
            op = tokens[position][1]
            position += 1
            right = value()
            return (left == right) if op == "==" else (left != right)
        return left not in (None, "")

    def both() -> bool:
        nonlocal position
        result = bool(compare())
        while position < len(tokens) and tokens[position][1] == "&&":
            position += 1
            result = bool(compare()) and result
        return result

    def either() -> bool:
        nonlocal position
        result = both()
        while position < len(tokens) and tokens[position][1] == "||":
            position += 1
            result = both() or result
        return result

    return either()


def glob_matches(pattern: str, path: str) -> bool:
    regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
    return re.fullmatch(regex.replace(r"\*", "[^/]*"), path) is not None


@dataclass
class JobRun:
    name: str
    status: str
    log: str = ""
    dotenv: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    workspace: Path | None = None


@dataclass
class PipelineRun:
    created: bool
    jobs: dict[str, JobRun] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "failed" if any(j.status == "failed" for j in self.jobs.values()) else "success"


@dataclass
class GitLabRunner:
    root: Path
    predefined: dict[str, str]
    variables: dict[str, list[Variable]]
    protected_ref: bool
    changed: list[str]
    checkout: Callable[[Path], None]
    on_job: Callable[[str, str, dict[str, bytes]], None] = lambda *_: None
    played: set[str] = field(default_factory=set)

    def run(self, done: PipelineRun | None = None) -> PipelineRun:
        """Create and run the pipeline; given ``done``, play the manual jobs in ``played``."""
        document = load_pipeline()
        context = {**self._expand(document.get("variables", {})), **self.predefined}
        if done is None:
            rules = document["workflow"]["rules"]
            if not any(self._rule(r, context) for r in rules):
                return PipelineRun(False)
            done = PipelineRun(True)
        stages = document["stages"]
        jobs = {k: self._extend(document, v) for k, v in document.items()
                if k not in RESERVED and not k.startswith(".")}
        order = sorted(jobs, key=lambda k: stages.index(jobs[k]["stage"]))
        for name in order:
            job = jobs[name]
            matched = next((r for r in job["rules"] if self._rule(r, context)), None)
            if matched is None or (name in done.jobs and done.jobs[name].status != "manual"):
                continue
            depends = self._dependencies(name, job, jobs, done, stages)
            if depends is None:
                done.jobs[name] = JobRun(name, "skipped")
            elif matched.get("when") == "manual" and name not in self.played:
                done.jobs[name] = JobRun(name, "manual")
            else:
                done.jobs[name] = self._job(document, name, job, depends, context)
        return done

    def _rule(self, rule: dict[str, Any], context: dict[str, str]) -> bool:
        if "if" in rule and not rule_matches(rule["if"], context):
            return False
        return "changes" not in rule or any(glob_matches(p, f) for p in rule["changes"]
                                             for f in self.changed)

    def _extend(self, document: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
        base = document.get(job.get("extends", ""), {})
        return {**base, **job}

    def _dependencies(self, name: str, job: dict[str, Any], jobs: dict[str, Any],
                      done: PipelineRun, stages: list[str]) -> list[JobRun] | None:
        """The jobs whose artifacts this one gets; None when one of them did not succeed."""
        if "needs" in job:
            names = [n["job"] for n in job["needs"] if n["job"] in done.jobs or not n.get(
                "optional")]
        else:
            names = [n for n in done.jobs
                     if stages.index(jobs[n]["stage"]) < stages.index(job["stage"])]
        found = [done.jobs[n] for n in names]
        blocking = [j for j in found if j.status in ("failed", "skipped")
                    or (j.status == "manual" and "needs" in job)]
        return None if blocking else found

    def _expand(self, values: dict[str, Any]) -> dict[str, str]:
        known = {**self.predefined}
        out = {}
        for key, value in values.items():
            text = re.sub(r"\$\{?(\w+)\}?", lambda m: known.get(m.group(1), m.group(0)),
                          str(value))
            out[key] = known[key] = text
        return out

    def _environment_variables(self, job: dict[str, Any]) -> dict[str, str]:
        environment = job.get("environment")
        name = environment.get("name") if isinstance(environment, dict) else environment
        return {key: v.value for key, options in self.variables.items() for v in options
                if v.scope in ("*", name) and (self.protected_ref or not v.protected)}

    def _job(self, document: dict[str, Any], name: str, job: dict[str, Any],
             depends: list[JobRun], context: dict[str, str]) -> JobRun:
        workspace = self.root / f"job-{name}-{len(list(self.root.glob('job-*')))}"
        shutil.copytree(RECIPE / ".gitlab", workspace / ".gitlab")
        self.checkout(workspace)
        for dependency in depends:
            for file_name, data in dependency.files.items():
                (workspace / file_name).write_bytes(data)
        env = {**self._base_env(), **context, **self._environment_variables(job),
               **{k: v for d in depends for k, v in d.dotenv.items()},
               **self._expand(job.get("variables", {})),
               "CI_PROJECT_DIR": str(workspace), "CI_JOB_NAME": name,
               "CI_JOB_URL": f"https://gitlab.example/jobs/{name}"}
        before = job.get("before_script", [])
        if "callboard" in "\n".join(job["script"]):  # the one install line; installed here
            assert PIP_INSTALL in before, name
        lines = [line for line in before if line != PIP_INSTALL] + job["script"]
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               "\n".join(lines)], cwd=workspace, env=env, text=True,
                              capture_output=True, timeout=300)
        allowed = job.get("allow_failure", False)
        codes = allowed.get("exit_codes", []) if isinstance(allowed, dict) else []
        status = "success" if done.returncode == 0 else (
            "allowed_failure" if allowed is True or done.returncode in codes else "failed")
        log = done.stdout + done.stderr + f"\n(exit {done.returncode})\n"
        if job.get("after_script"):
            after = subprocess.run(["bash", "--noprofile", "--norc", "-c",
                                    "\n".join(job["after_script"])], cwd=workspace, text=True,
                                   capture_output=True, timeout=300,
                                   env={**env, "CI_JOB_STATUS": "success" if status ==
                                        "success" else "failed"})
            log += f"--- after_script\n{after.stdout}{after.stderr}"
        artifacts = job.get("artifacts", {})
        keep = status == "success" or artifacts.get("when") == "always"
        files = {p: (workspace / p).read_bytes() for p in artifacts.get("paths", [])
                 if keep and (workspace / p).exists()}
        report = artifacts.get("reports", {}).get("dotenv")
        dotenv = read_outputs(workspace / report) if keep and report else {}
        self.on_job(name, status, files)
        return JobRun(name, status, log, dotenv, files, workspace)

    def _base_env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(
            ("CALLBOARD_", "PROSPECT2_", "TESSITURA_", "CI_", "GITLAB_"))}
        # CALLBOARD_LOOKUP_PAUSE: the stand-in answers at once, so no waiting between retries.
        return {**keep, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                "CI": "true", "GITLAB_CI": "true", "CALLBOARD_LOOKUP_PAUSE": "0"}
