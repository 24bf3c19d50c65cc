"""Data Sync runs and the pure models they rely on (schedules now; delta, ledger later)."""
