"""The repository's lock: reentrant, served in order, and its owner can step aside."""

from __future__ import annotations

import threading

import pytest

from storage.fairlock import FairLock


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
        assert not got_in.wait(0.05)  # held: the waiter queues (a bounded check, not a sleep)
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
        while lock._next_ticket != n + 2:  # each has taken its ticket before the next starts
            threading.Event().wait(0.001)
    with lock.stepped_aside():  # the owner queues behind all five
        pass
    assert order == [0, 1, 2, 3, 4]
    lock.release()
    for thread in threads:
        thread.join(10)
