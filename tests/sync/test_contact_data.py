"""Contact data's pure parts (values as text, fitting field types, digests) and the resync
modes as properties over the in-memory ports."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.state.sqlite import SqliteState
from engine.sync.contact_data import (
    CarriedField,
    carried_values,
    fit_value,
    value_text,
    values_digest,
)
from engine.sync.ports import AuditChange
from engine.sync.runner import DataSyncRunner

from .memory_ports import MemorySource, MemoryTarget, address_of
from .test_runner_memory import DEFINITION

LEVEL = CarriedField("7", "LEVEL", "Membership Level", "dropdown",
                     ("Friend", "Patron", "Benefactor"))


@pytest.mark.parametrize(("raw", "text"), [
    (None, None), (150.0, "150"), (99.5, "99.5"), (3, "3"), (True, "Y"), (False, "N"),
    (" Patron ", "Patron"),
    ("2026-08-07", "2026-08-07")])
def test_tessitura_values_become_text_once(raw: object, text: str | None) -> None:
    assert value_text(raw) == text


@pytest.mark.parametrize(("field", "text", "sent", "why"), [
    (CarriedField("1", "D", "c", "date"), "2026-08-07", "2026-08-07", None),
    (CarriedField("1", "D", "c", "date"), "2026-08-07T19:30:00", "2026-08-07", None),
    (CarriedField("1", "D", "c", "date"), "2026-08-07T23:30:00Z", "2026-08-07", None),
    (CarriedField("1", "D", "c", "date"), "", "", None),  # no value now: cleared
    (CarriedField("1", "T", "c", "datetime"), "Patron", None, "not a date and time (ISO "
     "8601), as a datetime field needs"),
    (CarriedField("1", "D", "c", "date"), "Patron", None, "not a date (YYYY-MM-DD), as a "
     "date field needs"),
    (CarriedField("1", "T", "c", "datetime"), "2026-08-07", "2026-08-07T00:00:00", None),
    (CarriedField("1", "T", "c", "datetime"), "2026-08-07T19:30:00Z",
     "2026-08-07T19:30:00+00:00", None),
    (LEVEL, "patron", "Patron", None),
    (LEVEL, "Supporter", None, "not one of the dropdown field's options (Friend, Patron, "
     "Benefactor)"),
    (replace(LEVEL, type="checkbox"), "Friend||patron", "||Friend||Patron||", None),
    (LEVEL, "Friend||Patron", None, "not one of the dropdown field's options (Friend, "
     "Patron, Benefactor)"),  # one choice only: not split
    (replace(LEVEL, options=()), "Anything", "Anything", None),  # no options: not checked
    (CarriedField("1", "T", "c", "text"), "Anything", "Anything", None),
    (LEVEL, None, "", None),  # the member has no value now: the field is cleared
])
def test_values_fit_their_fields_type(field: CarriedField, text: str | None,
                                      sent: str | None, why: str | None) -> None:
    value, problem = fit_value(field, text)
    assert value == sent
    assert (problem.why if problem else None) == why


@pytest.mark.parametrize(("kind", "why"), [
    ("date", "not a date (YYYY-MM-DD), as a date field needs"),
    ("datetime", "not a date and time (ISO 8601), as a datetime field needs")])
def test_a_date_misfit_names_its_field_and_value(kind: str, why: str) -> None:
    _, problem = fit_value(CarriedField("1", "LAST_ATTENDED", "c", kind), "soon")
    assert problem is not None and problem.describe() == f"LAST_ATTENDED 'soon': {why}"


def test_a_misfit_is_left_out_and_said_without_its_value_when_masked() -> None:
    values, problems = carried_values((LEVEL, CarriedField("2", "D", "d", "date")),
                                      ("Gold", "2026-01-02"))
    assert values == [None, "2026-01-02"]
    assert problems[0].describe() == ("LEVEL 'Gold': not one of the dropdown field's options "
                                      "(Friend, Patron, Benefactor)")
    assert problems[0].describe(show_value=False) == (
        "LEVEL: not one of the dropdown field's options (Friend, Patron, Benefactor)")


@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=4),
       st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=4))
def test_digests_differ_when_values_do(a: list[str | None], b: list[str | None]) -> None:
    assert (values_digest(tuple(a)) == values_digest(tuple(b))) == (a == b)
    assert -(2 ** 63) <= values_digest(tuple(a)) < 2 ** 63


# -- the resync modes, as properties over the in-memory ports ------------------------------

LEVELS = ("Friend", "Patron", "Benefactor")
# a small world, so members stay listed across runs and their values change while they are
step = st.tuples(st.sets(st.integers(1, 12), min_size=1, max_size=10),       # the list now
                 st.dictionaries(st.integers(1, 12), st.sampled_from(LEVELS)))  # value changes


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["audit", "values", "off"]), st.lists(step, min_size=1, max_size=4))
def test_resync_modes_reimport_what_they_promise(
        tmp_path_factory: pytest.TempPathFactory, mode: str,
        steps: list[tuple[set[int], dict[int, str]]]) -> None:
    """``values``: kept members whose carried values differ from what was last sent;
    ``audit``: kept members with audited changes; ``off``: nobody. Every import carries the
    member's values now; ``values`` reads each page of results once, and nothing else."""
    state = SqliteState(tmp_path_factory.mktemp("s") / "state.db")
    source, target = MemorySource(), MemoryTarget()
    definition = replace(DEFINITION, mode="add_only", resync=mode, contact_fields=(LEVEL,))
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    sent: dict[int, str | None] = {}  # what Prospect2 holds, per member
    previous: set[int] = set()
    for members, changes in steps:
        audited = set()  # changed since the last run, as the audit trail says
        for constituent, level in changes.items():
            if _level(source, constituent) != level:
                source.values[constituent] = {"Membership Level": level}
                source.changes.append(AuditChange(constituent, "TA_AUDIT_MEMBERSHIP",
                                                  "memb_level", source.clock))
                audited.add(constituent)
        source.members_now = members
        kept = members & previous
        expected = {"off": set(), "audit": kept & audited,
                    "values": {c for c in kept if sent.get(c) != _level(source, c)}}[mode]
        pages, contacts = source.results_calls, len(target.contacts)
        report = asyncio.run(runner.run(definition, force=True))
        imported = target.contacts[contacts:]
        resynced = {int(c.email[1:].split("@")[0]) for c in imported} - (members - previous)
        assert resynced == expected
        assert report.resynced == len(expected)
        for contact in imported:
            constituent = int(contact.email[1:].split("@")[0])
            assert dict(contact.fields) == {"7": _level(source, constituent) or ""}
            sent[constituent] = _level(source, constituent)
        if mode == "values":
            assert source.results_calls - pages == 1
        previous = members
    state.close()


def _level(source: MemorySource, constituent: int) -> str | None:
    return source.values.get(constituent, {}).get("Membership Level")


def test_a_values_resync_compares_the_output_set_the_sync_names(tmp_path: Path) -> None:
    """Not the list's own set: the sync's contact data comes from set 44."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    source.values = {c: {"Membership Level": "Friend"} for c in (1, 2, 3)}  # the list's set
    source.other_sets[44] = {c: {"Membership Level": "Friend"} for c in (1, 2, 3)}
    definition = replace(DEFINITION, resync="values", output_set_id=44, contact_fields=(LEVEL,))
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    asyncio.run(runner.run(definition))
    source.other_sets[44][2] = {"Membership Level": "Patron"}
    report = asyncio.run(runner.run(definition))
    assert report.resynced == 1
    assert [(c.email, dict(c.fields)) for c in target.contacts[3:]] == [
        (address_of(2), {"7": "Patron"})]
    state.close()


def test_digests_kept_in_state_read_the_same_after_an_upgrade() -> None:
    """State keeps these numbers between runs (``resync: values``): were they computed any
    other way by a later Callboard, its first run would re-sync every member at once."""
    assert values_digest(("Bienfaiteur (Théâtre)", "2026-01-02", None)) == -6635461095276729934


def test_address_of_names_the_member() -> None:
    assert address_of(12) == "c12@example.org"


def test_switching_to_values_resync_resends_only_values_that_changed(tmp_path: Path) -> None:
    """The values an ``audit`` sync sent are kept as digests, so a switch to ``values``
    starts from what Prospect2 holds instead of re-syncing every member once."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    source.values = {c: {"Membership Level": "patron"} for c in (1, 2, 3)}
    audit = replace(DEFINITION, resync="audit", contact_fields=(LEVEL,))
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    asyncio.run(runner.run(audit))
    values = replace(audit, resync="values")
    source.values[2] = {"Membership Level": "Friend"}
    resynced = [asyncio.run(runner.run(values)).resynced for _ in range(3)]
    assert resynced == [1, 0, 0]  # member 2 once; "patron" sent as "Patron" is no change
    state.close()
