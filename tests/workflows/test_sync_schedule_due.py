"""``sync run --due`` for a new or re-enabled Data Sync (issue 9 item 9): it waits for its first
scheduled time after it was created or switched on, never runs at once (a daily 02:00 sync
applied at 00:41 once ran at 00:41 and fired automations for 120 contacts); ``sync log`` of a
sync that does not exist is an error with the closest name.

Time moves on Callboard's own clock (``engine.clock``, what schedules, runs and activations are
read from), as a cron every few minutes would see it."""

from __future__ import annotations

from collections.abc import Callable

from tests.cli.conftest import Sandbox

SYNC = """\
tags:
  lapsed: {name: Lapsed - Synced}
data_syncs:
  lapsed:
    list: Lapsed Donors
    tag: lapsed
    schedule: {daily: "02:00"}
    enabled: %s
"""
NOT_DUE = "No Data Sync was due."
RAN = "data_syncs.lapsed: succeeded:"



def _apply(sandbox: Sandbox, enabled: bool) -> None:
    (sandbox.manifests / "syncs.yaml").write_text(SYNC % str(enabled).lower())
    applied = sandbox.run("apply", "--auto-approve")
    assert applied.code == 0, applied.err


def _due(sandbox: Sandbox) -> str:
    result = sandbox.run("sync", "run", "--due")
    assert result.code == 0, result.err
    return result.out


def _tagged(sandbox: Sandbox) -> int:
    tag_id = sandbox.tag_id("Lapsed - Synced")
    return len(sandbox.api("GET", f"/api/3/contacts?tagid={tag_id}&limit=100").json()["contacts"])


def test_a_new_sync_waits_for_its_first_scheduled_time(sandbox: Sandbox,
                                                       at: Callable[[str], None]) -> None:
    at("2031-01-05T00:41")
    _apply(sandbox, enabled=True)
    assert NOT_DUE in _due(sandbox)  # 02:00 yesterday was before it existed
    at("2031-01-05T01:59")
    assert NOT_DUE in _due(sandbox)
    assert _tagged(sandbox) == 0 and "No sync runs" in sandbox.run("sync", "log").out

    at("2031-01-05T02:00")
    assert RAN in _due(sandbox)
    assert _tagged(sandbox) > 0
    at("2031-01-05T02:05")
    assert NOT_DUE in _due(sandbox)


def test_a_re_enabled_sync_waits_for_its_next_scheduled_time(sandbox: Sandbox,
                                                             at: Callable[[str], None]) -> None:
    at("2031-01-05T00:41")
    _apply(sandbox, enabled=True)
    at("2031-01-05T02:00")
    assert RAN in _due(sandbox)
    at("2031-01-05T12:00")
    _apply(sandbox, enabled=False)
    at("2031-01-07T09:00")  # off over two scheduled times; switched on again
    _apply(sandbox, enabled=True)
    at("2031-01-07T09:05")
    assert NOT_DUE in _due(sandbox)
    at("2031-01-08T02:00")
    assert RAN in _due(sandbox)

    log = sandbox.run("sync", "log", "lapsed", "--since", "7d")
    assert log.code == 0 and log.out.count(RAN) == 2
    assert "enabled" not in log.out  # runs only: switching on is bookkeeping, not a run


def test_sync_log_of_an_unknown_sync_is_an_error_with_the_closest_name(
        sandbox: Sandbox, at: Callable[[str], None]) -> None:
    at("2031-01-05T00:41")
    _apply(sandbox, enabled=True)
    typo = sandbox.run("sync", "log", "lapsd")
    assert typo.code == 1
    assert typo.err.strip() == ("Error: no Data Sync data_syncs.lapsd in state or the run log "
                                "(did you mean 'lapsed'?); Data Syncs: lapsed")
    assert sandbox.run("sync", "log", "data_syncs.lapsed").code == 0


def test_a_sync_renamed_with_moved_keeps_its_place_in_the_schedule(
        sandbox: Sandbox, at: Callable[[str], None]) -> None:
    at("2031-01-05T00:41")
    _apply(sandbox, enabled=True)
    at("2031-01-05T02:00")
    assert RAN in _due(sandbox)
    at("2031-01-06T10:00")  # the runner was down at 02:00; the sync is renamed meanwhile
    syncs = sandbox.manifests / "syncs.yaml"
    syncs.write_text((SYNC % "true").replace("\n  lapsed:\n    list", "\n  lapsed-donors:\n"
                                             "    list") +
                     "moved:\n  - {from: data_syncs.lapsed, to: data_syncs.lapsed-donors}\n")
    renamed = sandbox.run("apply", "--auto-approve")
    assert renamed.code == 0, renamed.err

    at("2031-01-06T10:05")  # the missed 02:00 runs now, as it would have under the old NAME
    assert "data_syncs.lapsed-donors: succeeded:" in _due(sandbox)
    at("2031-01-06T10:10")
    assert NOT_DUE in _due(sandbox)
