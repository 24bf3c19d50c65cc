"""The client's sliding-window limiter on a fake clock: what a service counting requests as
they arrive sees, whatever the delays between our start, its arrival and the answer."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from providers.http.rate_limit import SlidingWindowLimiter


class FakeTime:
    """Virtual seconds: ``sleep`` parks a coroutine until ``run`` moves the clock to it."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), woken))
        await woken

    async def run(self, work: Awaitable[None]) -> None:
        """Run ``work``, moving the clock to the next sleeper whenever nothing else can run."""
        task = asyncio.ensure_future(work)
        while not task.done():
            for _ in range(20):  # let everything runnable run
                await asyncio.sleep(0)
            if task.done() or not self._sleepers:
                continue
            until, _, woken = heapq.heappop(self._sleepers)
            self.now = max(self.now, until)
            woken.set_result(None)
        task.result()


def limiter_on(fake: FakeTime, rate: float) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(rate, clock=fake.clock, sleep=fake.sleep)


def simulate(rate: float, timings: list[tuple[float, float]], *,
             slot_to_answer: bool = True) -> tuple[list[float], float]:
    """Send one request per (lag, rest) at once through a limiter of ``rate``: the service
    sees it ``lag`` after its start and answers ``rest`` later. Arrival times, and when the
    last answer came. ``slot_to_answer=False`` leaves the slot at the start (pacing starts
    only, as the limiter did with its margin)."""
    fake = FakeTime()
    limiter = limiter_on(fake, rate)
    arrivals: list[float] = []

    async def on_the_way(lag: float, rest: float) -> None:
        await fake.sleep(lag)
        arrivals.append(fake.now)
        await fake.sleep(rest)

    async def request(lag: float, rest: float) -> None:
        if not slot_to_answer:
            async with limiter.slot():
                pass
            await on_the_way(lag, rest)
            return
        async with limiter.slot():
            await on_the_way(lag, rest)

    async def everything() -> None:
        await asyncio.gather(*(request(lag, rest) for lag, rest in timings))

    asyncio.run(fake.run(everything()))
    return sorted(arrivals), fake.now


def most_in_any_window(arrivals: list[float], window: float) -> int:
    """The most arrivals a service's sliding window of ``window`` seconds ever holds (it
    forgets a call once ``window`` has passed, as the emulator's guard does)."""
    return max((sum(1 for t in arrivals[i:] if t - start < window)
                for i, start in enumerate(arrivals)), default=0)


delays = st.floats(min_value=0.0, max_value=2.5, allow_nan=False)


@settings(max_examples=60, deadline=None)
@example(rate=1.0, timings=[(1.5514110291743546, 0.0), (0.0, 0.0)])  # 1.55… + 1.0 rounds down
@given(rate=st.sampled_from([1.0, 2.0, 5.0, 50.0]),
       timings=st.lists(st.tuples(delays, delays), min_size=1, max_size=40))
def test_no_window_of_the_service_ever_sees_more_than_the_burst(
        rate: float, timings: list[tuple[float, float]]) -> None:
    """Whatever the delay before a request arrives and after, the service never counts
    more than ``burst`` requests in one window: no 429 of the client's own making."""
    arrivals, _ = simulate(rate, timings)
    assert len(arrivals) == len(timings)
    assert most_in_any_window(arrivals, 1.0) <= int(rate)


def test_pacing_starts_alone_fails_the_same_check() -> None:
    """The check above can fail: a slot free a window after its start (however wide the
    margin) lets a late arrival and the next window's requests meet at the service."""
    timings = [(0.0, 0.0)] + [(0.3, 0.0)] * 4 + [(0.0, 0.0)] * 5  # 4 slowed on the way
    paced_starts, _ = simulate(5.0, timings, slot_to_answer=False)
    assert most_in_any_window(paced_starts, 1.0) == 9
    paced_answers, _ = simulate(5.0, timings)
    assert most_in_any_window(paced_answers, 1.0) == 5


@pytest.mark.parametrize(("rate", "requests"), [(5.0, 5), (5.0, 6), (5.0, 20), (50.0, 120)])
def test_instant_answers_use_the_whole_budget(rate: float, requests: int) -> None:
    """No safety margin is taken from the budget: with answers at once, a burst goes every
    window exactly (20 requests at 5 a second: the last of 4 bursts at 3 s)."""
    _, last = simulate(rate, [(0.0, 0.0)] * requests)
    bursts = -(-requests // int(rate))
    assert last == pytest.approx(bursts - 1)


def test_a_slot_is_free_a_window_after_its_answer() -> None:
    """5 a second: a request answered after 0.3 s frees its slot at 1.3 s, not at 1 s."""
    fake = FakeTime()
    limiter = limiter_on(fake, 5.0)
    starts: list[float] = []

    async def request(answer_after: float) -> None:
        async with limiter.slot():
            starts.append(fake.now)
            await fake.sleep(answer_after)

    async def everything() -> None:
        await asyncio.gather(*(request(0.3) for _ in range(5)), request(0.0))

    asyncio.run(fake.run(everything()))
    assert starts == pytest.approx([0.0] * 5 + [1.3])


def test_a_failed_request_keeps_its_slot_for_a_window() -> None:
    """A request that raised may have reached the service: it counts like an answered one."""
    fake = FakeTime()
    limiter = limiter_on(fake, 1.0)
    starts: list[float] = []

    async def request(fail: bool) -> None:
        async with limiter.slot():
            starts.append(fake.now)
            await fake.sleep(0.2)
            if fail:
                raise ConnectionError("lost")

    async def everything() -> None:
        with pytest.raises(ConnectionError):
            await request(True)
        await request(False)

    asyncio.run(fake.run(everything()))
    assert starts == pytest.approx([0.0, 1.2])


def test_hold_pauses_every_start() -> None:
    """After a 429's Retry-After, nothing starts until it has passed, free slots or not."""
    fake = FakeTime()
    limiter = limiter_on(fake, 5.0)
    starts: list[float] = []

    async def request() -> None:
        async with limiter.slot():
            starts.append(fake.now)

    async def everything() -> None:
        await request()
        limiter.hold(2.0)
        await asyncio.gather(request(), request())

    asyncio.run(fake.run(everything()))
    assert starts == pytest.approx([0.0, 2.0, 2.0])


@pytest.mark.parametrize("rate", [0.0, -1.0])
def test_a_rate_must_be_positive(rate: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        SlidingWindowLimiter(rate)
