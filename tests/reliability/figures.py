"""One figure per reliability check: what CI prints and what ``bench/soak.py`` writes down.

Checks return a figure instead of asserting, so the soak run can record every result (a red
one too) while the CI tests assert ``figure.ok`` with the figure as their message.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Figure:
    check: str
    runs: int
    text: str
    ok: bool
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        detail = f" ({'; '.join(self.problems[:3])})" if self.problems else ""
        return f"{self.check}: {self.text} [{verdict}]{detail}"


def figure(check: str, runs: int, text: str, problems: list[str]) -> Figure:
    found = Figure(check, runs, text, not problems, problems)
    print(found.line())
    return found
