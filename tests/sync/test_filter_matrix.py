"""Contact permissions in seed 003's filters: integrated account × ignore × the answer.

Only an account integrated with Tessitura's Contact Permissions filters by them; there NO and
N/A (no answer) are excluded unless the sync ignores permissions. Elsewhere no permission type
is integrated and the answer plays no part. The other filters apply the same either way.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engine.sync.filters import AddressFilter, taggable_addresses
from engine.sync.ports import ExportRow

answers = st.sampled_from(["Y", "N", None])


@st.composite
def rows(draw: st.DrawFn) -> ExportRow:
    return ExportRow(
        constituent_id=draw(st.integers(1, 50)), eaddress_id=draw(st.integers(1, 500)),
        address=draw(st.sampled_from(["a@x.org", "b@x.org", " ", "C@x.org"])),
        type_id=draw(st.integers(1, 3)), primary=draw(st.booleans()),
        inactive=draw(st.booleans()), purpose_ids=frozenset(draw(st.sets(st.integers(6, 8)))),
        permission=draw(answers))


@st.composite
def filters(draw: st.DrawFn) -> AddressFilter:
    return AddressFilter(
        purpose_ids=frozenset(draw(st.sets(st.integers(6, 8), max_size=2))),
        eaddress_type_ids=frozenset(draw(st.sets(st.integers(1, 3), max_size=2))),
        primary_only=draw(st.booleans()),
        ignore_contact_permissions=draw(st.booleans()),
        permissions_integrated=draw(st.booleans()))


def _other_filters_pass(f: AddressFilter, row: ExportRow) -> bool:
    return (not row.inactive and bool(row.address.strip())
            and (row.primary or not f.primary_only)
            and (not f.eaddress_type_ids or row.type_id in f.eaddress_type_ids)
            and (not f.purpose_ids or bool(row.purpose_ids & f.purpose_ids)))


@given(filters(), rows())
def test_permissions_filter_only_in_integrated_accounts(f: AddressFilter,
                                                         row: ExportRow) -> None:
    permitted = (not f.permissions_integrated or f.ignore_contact_permissions
                 or row.permission == "Y")
    assert f.passes(row) == (_other_filters_pass(f, row) and permitted)


@given(st.booleans(), st.booleans(), answers)
def test_the_matrix_cell_by_cell(integrated: bool, ignore: bool, answer: str | None) -> None:
    row = ExportRow(1, 1, "a@x.org", 1, True, False, frozenset(), answer)
    f = AddressFilter(ignore_contact_permissions=ignore, permissions_integrated=integrated)
    if not integrated:
        assert f.passes(row)  # permissions play no part: NO and N/A pass too
    elif ignore:
        assert f.passes(row)  # the user chose to import NO and N/A
    else:
        assert f.passes(row) == (answer == "Y")


@given(st.lists(rows(), max_size=12))
def test_a_non_integrated_account_tags_every_otherwise_eligible_address(
        found: list[ExportRow]) -> None:
    """The bug this fixes: with no integration the export has no answers, and Callboard tagged
    nobody. Now the non-integrated account tags what the other filters let through."""
    plain = AddressFilter(permissions_integrated=False)
    tagged = taggable_addresses(found, plain)
    expected = {r.address.strip().lower() for r in found if _other_filters_pass(plain, r)}
    assert set(tagged) == expected
