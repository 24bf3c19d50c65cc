"""Data Sync runs in SQL (seed 003): baselines, run plans and their batch journal, the address
ledger, rejections, value digests, the run log. A plan is frozen part by part as the export
streams in, so a million-member run never holds it in memory; the addresses it imports answer
"already planned?" and the digests it keeps wait until ``finish_sync_plan``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from engine import clock
from engine.errors import StateError
from engine.state import base as b
from engine.state.sql import SqlState, upsert

RUN_LOG_DAYS = 30  # ``sync log`` keeps 30 days, as the Activity Log does (seed 003)
REJECTED = ("sync_id", "address", "constituent_id", "reason", "seen_at")
PARTS = "sync_plan_part WHERE sync_id = ? AND run_id = ?"  # one run's parts
#: What a finished (or abandoned) run's plan leaves behind, all keyed by run.
PLAN_TABLES = ("sync_plan", "sync_batch_journal", "sync_plan_part", "sync_plan_address",
               "sync_plan_digest")


class SqlStore(SqlState):
    """The whole ``StateStore`` in SQL: ``SqlState`` and Data Sync runs; backends build on it."""

    def sync_baseline(self, sync_id: str) -> b.SyncBaseline | None:
        return self._object(b.SyncBaseline, "sync_baseline", "WHERE sync_id = ?", sync_id)

    # -- the frozen plan -------------------------------------------------------------------
    def sync_plan(self, sync_id: str) -> tuple[str, bytes] | None:
        row = self._one("SELECT run_id, payload FROM sync_plan WHERE sync_id = ?", (sync_id,))
        return (row[0], bytes(row[1])) if row else None

    def freeze_sync_plan(self, sync_id: str, run_id: str, payload: bytes) -> None:
        if self._run("INSERT INTO sync_plan VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                     (sync_id, run_id, payload, clock.iso_now())) != 1:
            raise StateError(f"Data Sync {sync_id} already has an unfinished run in state "
                             f"{self.url}")

    def extend_sync_plan(self, sync_id: str, run_id: str, parts: Sequence[b.SyncPlanPart],
                         addresses: Iterable[str] = (),
                         digests: Iterable[tuple[int, int]] = ()) -> None:
        """More of a run's plan, all or nothing: parts, the addresses they import, and the
        value digests to keep once the run is done."""
        with self._tx():
            self._many("INSERT INTO sync_plan_part VALUES (?, ?, ?, ?, ?)",
                       ((sync_id, run_id, p.part_no, p.kind, p.payload) for p in parts))
            self._many("INSERT INTO sync_plan_address VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       ((sync_id, run_id, a) for a in addresses))
            self._many("INSERT INTO sync_plan_digest VALUES (?, ?, ?, ?) ON CONFLICT (sync_id, "
                       "run_id, constituent_id) DO UPDATE SET digest = excluded.digest",
                       ((sync_id, run_id, int(c), int(d)) for c, d in digests))

    def sync_plan_parts(self, sync_id: str, run_id: str, after: int = -1,
                        limit: int = 100) -> list[b.SyncPlanPart]:
        """The next ``limit`` parts after part ``after``, in order."""
        return self._objects(b.SyncPlanPart, PARTS, "AND part_no > ? ORDER BY part_no LIMIT ?",
                             sync_id, run_id, after, limit)

    def sync_plan_last(self, sync_id: str, run_id: str,
                       kind: str | None = None) -> b.SyncPlanPart | None:
        """The run's last part (of ``kind``): where a resumed plan goes on from."""
        return self._object(b.SyncPlanPart, PARTS, "AND kind = COALESCE(?, kind) "
                            "ORDER BY part_no DESC LIMIT 1", sync_id, run_id, kind)

    def drop_sync_plan_parts(self, sync_id: str, run_id: str, after: int) -> None:
        """Forget the parts after ``after`` (a plan's end, half frozen when its run died:
        never sent, it is decided again)."""
        self._run(f"DELETE FROM {PARTS} AND part_no > ?", (sync_id, run_id, after))

    def sync_planned(self, sync_id: str, run_id: str, addresses: Sequence[str]) -> set[str]:
        """Which of ``addresses`` the run already plans to import."""
        return {row[0] for row in self._in("SELECT address FROM sync_plan_address WHERE "
                                           "sync_id = ? AND run_id = ? AND address IN",
                                           addresses, sync_id, run_id)}

    def sync_planned_page(self, sync_id: str, run_id: str, after: str,
                          limit: int) -> list[str]:
        """The run's planned addresses after ``after``, in order, ``limit`` at most."""
        return [row[0] for row in self._all(
            "SELECT address FROM sync_plan_address WHERE sync_id = ? AND run_id = ? AND "
            "address > ? ORDER BY address LIMIT ?", (sync_id, run_id, after, limit))]

    def discard_sync_plans(self, sync_id: str, keep_run_id: str | None) -> None:
        """Forget what runs of this sync left before they froze a plan (a run stopped by a
        safety check, a preview's, one killed while deciding); the frozen one stays unless
        ``keep_run_id`` is None (a plan frozen for a tag deleted since)."""
        with self._tx():
            for table in PLAN_TABLES[keep_run_id is not None:]:
                self._run(f"DELETE FROM {table} WHERE sync_id = ? AND run_id <> ?",
                          (sync_id, keep_run_id or ""))

    # -- the journal ---------------------------------------------------------------------
    def sync_batches_done(self, sync_id: str, run_id: str) -> set[int]:
        return {r[0] for r in self._all("SELECT batch_no FROM sync_batch_journal "
                                        "WHERE sync_id = ? AND run_id = ?", (sync_id, run_id))}

    def sync_batches_not_found(self, sync_id: str, run_id: str) -> dict[int, int]:
        """Journaled purpose updates with addresses Tessitura did not find: batch -> how many."""
        return dict(self._all("SELECT batch_no, not_found FROM sync_batch_journal WHERE "
                              "sync_id = ? AND run_id = ? AND not_found > 0", (sync_id, run_id)))

    def record_sync_batch(self, sync_id: str, run_id: str, batch: b.SyncBatchRecord) -> None:
        stamp = clock.iso_now()
        with self._tx():
            self._run("INSERT INTO sync_batch_journal VALUES (?, ?, ?, ?, ?) "
                      "ON CONFLICT DO NOTHING",
                      (sync_id, run_id, batch.batch_no, stamp, batch.not_found))
            self._many("INSERT INTO sync_ledger VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       ((sync_id, a, c) for a, c in (*batch.tagged, *batch.owners)))
            self._forget(sync_id, "address", {a for a, _ in batch.tagged}, "sync_rejected")
            self._forget(sync_id, "address", batch.untagged, "sync_ledger", "sync_association",
                         "sync_rejected")
            self.save_sync_associations(sync_id, batch.associations)
            self._many(upsert("sync_rejected", REJECTED, REJECTED[:3]),
                       ((sync_id, a, c, reason, stamp)
                        for a, (owners, reason) in batch.rejected.items() for c in owners))

    def _forget(self, sync_id: str, column: str, values: Iterable[Any], *tables: str) -> None:
        for table in tables:
            self._many(f"DELETE FROM {table} WHERE sync_id = ? AND {column} = ?",
                       ((sync_id, v) for v in sorted(values)))

    def finish_sync_plan(self, sync_id: str, run_id: str, baseline: b.SyncBaseline,
                         forget_owners: list[int], forget_rejected: list[int]) -> None:
        """The run is done: the baseline moves (a new tag's drops the old one's cached
        contactTag ids), the leavers (``forget_owners``) leave the
        ledger and the kept digests, the run's staged digests become the kept ones, and its
        plan and journal go, in one transaction."""
        with self._tx():
            if (self.sync_baseline(sync_id) or baseline).tag_id != baseline.tag_id:
                self._forget(sync_id, "sync_id", [sync_id], "sync_association")  # old tag's
            self._save("sync_baseline", replace(baseline, sync_id=sync_id,
                                                updated_at=clock.iso_now()), "sync_id")
            leavers = [int(c) for c in forget_owners]
            self._forget(sync_id, "constituent_id", leavers, "sync_ledger")
            if self._one("SELECT 1 FROM sync_value_digest WHERE sync_id = ? LIMIT 1",
                         (sync_id,)):  # a sync without contact data keeps no digests
                self._forget(sync_id, "constituent_id", leavers, "sync_value_digest")
            self._forget(sync_id, "constituent_id", map(int, forget_rejected), "sync_rejected")
            self._run("INSERT INTO sync_value_digest (sync_id, constituent_id, digest) "
                      "SELECT sync_id, constituent_id, digest FROM sync_plan_digest "
                      "WHERE sync_id = ? AND run_id = ? ON CONFLICT (sync_id, constituent_id) "
                      "DO UPDATE SET digest = excluded.digest", (sync_id, run_id))
            self._forget(sync_id, "run_id", [run_id], *PLAN_TABLES)

    # -- the ledger, rejections, digests -------------------------------------------------
    def sync_ledger(self, sync_id: str) -> dict[str, set[int]]:
        return _owners(self._all("SELECT address, constituent_id FROM sync_ledger "
                                 "WHERE sync_id = ?", (sync_id,)))

    def sync_ledger_of(self, sync_id: str, constituents: Iterable[int] = (),
                       addresses: Iterable[str] = ()) -> dict[str, set[int]]:
        """Every owner of the addresses these constituents hold in the ledger, and of these
        addresses: what a removal decides from, without reading a million-row ledger."""
        held = self._in("SELECT address FROM sync_ledger WHERE sync_id = ? AND constituent_id "
                        "IN", map(int, constituents), sync_id)
        return _owners(self._in("SELECT address, constituent_id FROM sync_ledger WHERE "
                                "sync_id = ? AND address IN", {*addresses, *(r[0] for r in held)},
                                sync_id))

    def sync_associations(self, sync_id: str) -> dict[str, str]:
        return dict(self._all("SELECT address, association_id FROM sync_association "
                              "WHERE sync_id = ?", (sync_id,)))

    def save_sync_associations(self, sync_id: str, associations: dict[str, str]) -> None:
        with self._tx():
            self._many(upsert("sync_association", ("sync_id", "address", "association_id"),
                              ("sync_id", "address")),
                       ((sync_id, a, i) for a, i in associations.items()))

    def sync_rejected(self, sync_id: str) -> list[tuple[str, int, str]]:
        return self._all("SELECT address, constituent_id, reason FROM sync_rejected "
                         "WHERE sync_id = ? ORDER BY address, constituent_id", (sync_id,))

    def sync_digests(self, sync_id: str, constituent_ids: list[int]) -> dict[int, int]:
        return dict(self._in("SELECT constituent_id, digest FROM sync_value_digest WHERE "
                             "sync_id = ? AND constituent_id IN", map(int, constituent_ids),
                             sync_id))

    # -- the run log ---------------------------------------------------------------------
    def log_sync_run(self, entry: b.SyncRunLogEntry) -> None:
        cutoff = (clock.now() - timedelta(days=RUN_LOG_DAYS)).isoformat(timespec="seconds")
        with self._tx():
            self._save("sync_run_log", entry, "run_id")
            self._run("DELETE FROM sync_run_log WHERE started_at < ?", (cutoff,))

    def sync_runs(self, address: str | None, since: str) -> list[b.SyncRunLogEntry]:
        return self._objects(b.SyncRunLogEntry, "sync_run_log", "WHERE started_at >= ? AND "
                             "address = COALESCE(?, address) ORDER BY started_at, run_id",
                             since, address)


def _owners(rows: Iterable[tuple[str, int]]) -> dict[str, set[int]]:
    ledger: dict[str, set[int]] = {}
    for address, constituent in rows:
        ledger.setdefault(address, set()).add(int(constituent))
    return ledger
