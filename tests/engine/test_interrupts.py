"""The one Ctrl-C handler (engine/interrupts.py), with real SIGINTs sent to this process."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from engine import interrupts
from engine.interrupts import HARD_NOTICE, SOFT_NOTICE, Interrupted, stoppable


def _ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def _run(work: object) -> list[str]:
    notices: list[str] = []
    asyncio.run(stoppable(work, notices.append))  # type: ignore[arg-type]
    return notices


def test_outside_a_stretch_of_writes_ctrl_c_stops_at_once() -> None:
    async def reading() -> None:
        _ctrl_c()
        await asyncio.sleep(5)

    with pytest.raises(KeyboardInterrupt):
        _run(reading())
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_first_ctrl_c_asks_for_a_stop_and_the_work_decides_where() -> None:
    seen: list[bool] = []

    async def writing() -> None:
        with interrupts.writing():
            seen.append(interrupts.stop_requested())
            _ctrl_c()
            await asyncio.sleep(0.01)  # the request in flight finishes
            seen.append(interrupts.stop_requested())

    assert _run(writing()) == [SOFT_NOTICE]
    assert seen == [False, True]
    assert not interrupts.stop_requested()  # only within the command's run
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_second_ctrl_c_cancels_at_the_next_await() -> None:
    notices: list[str] = []
    finished: list[str] = []

    async def writing() -> None:
        with interrupts.writing():
            _ctrl_c()
            await asyncio.sleep(0.01)
            _ctrl_c()
            await asyncio.sleep(5)
            finished.append("never")

    with pytest.raises(Interrupted) as stopped:
        asyncio.run(stoppable(writing(), notices.append))
    assert notices == [SOFT_NOTICE, HARD_NOTICE] and finished == []
    assert stopped.value.message() == "Interrupted. Run the same command again to finish."
