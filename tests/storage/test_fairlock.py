"""The repository's lock: reentrant, served in order, and its owner can step aside."""

from __future__ import annotations

import threading

import pytest

from storage.fairlock import FairLock


def queued(lock: FairLock, threads: int) -> None:
    """Wait for other threads to take their place in the queue: what is waited for is
    another thread's step, never time itself (bounded, so a bug fails instead of hanging)."""
    pause = threading.Event()
    for _ in range(10_000):
        if lock.waiting() == threads:
            return
        pause.wait(0.001)
    raise AssertionError(f"{lock.waiting()} threads queued, expected {threads}")


def test_reentrant_and_only_the_owner_releases() -> None:
    lock = FairLock()
    with lock, lock:
        assert lock.held()
    assert not lock.held()
    with pytest.raises(RuntimeError):
        lock.release()


def test_a_waiter_gets_the_lock_while_the_owner_steps_aside_at_any_depth() -> None:
    lock = FairLock()
    got_in = threading.Event()

    def waiter() -> None:
        with lock:
            got_in.set()

    with lock, lock:
        thread = threading.Thread(target=waiter)
        thread.start()
        queued(lock, 1)
        assert not got_in.is_set()  # held: the waiter queues
        with lock.stepped_aside():
            assert got_in.wait(10)
        assert lock.held()
    thread.join(10)
    assert not lock.held()


def test_waiters_are_served_in_the_order_they_came() -> None:
    lock = FairLock()
    order: list[int] = []
    threads = []

    def take(n: int) -> None:
        with lock:
            order.append(n)

    lock.acquire()
    for n in range(5):
        thread = threading.Thread(target=take, args=(n,))
        thread.start()
        threads.append(thread)
        queued(lock, n + 1)  # each has taken its ticket before the next starts
    with lock.stepped_aside():  # the owner queues behind all five
        pass
    assert order == [0, 1, 2, 3, 4]
    lock.release()
    for thread in threads:
        thread.join(10)


def test_a_waiter_interrupted_in_the_queue_does_not_jam_the_lock() -> None:
    """A thread that gets an exception while it waits (KeyboardInterrupt, an async
    exception) gives its ticket up: the ones behind it are still served."""
    lock = FairLock()
    real_wait = lock._cond.wait
    victim: dict[str, int | None] = {"id": None}

    class Interrupted(Exception):
        pass

    def wait(timeout: float | None = None) -> bool:
        if threading.get_ident() == victim["id"]:
            victim["id"] = None  # once: a later thread may get the same ident
            raise Interrupted
        return real_wait(timeout)

    lock._cond.wait = wait  # type: ignore[method-assign]
    interrupted = threading.Event()
    got_in = threading.Event()

    def interrupted_waiter() -> None:
        victim["id"] = threading.get_ident()
        try:
            lock.acquire()
        except Interrupted:
            interrupted.set()

    def next_waiter() -> None:
        with lock:
            got_in.set()

    lock.acquire()
    first = threading.Thread(target=interrupted_waiter)
    first.start()
    assert interrupted.wait(10)  # it took ticket 1 and gave it up
    second = threading.Thread(target=next_waiter, daemon=True)
    second.start()
    queued(lock, 1)  # the second has its ticket (the first gave its own up)
    lock.release()
    assert got_in.wait(10)
    second.join(10)
    first.join(10)
    with lock:  # and the lock is free again for anyone
        assert lock.held()
