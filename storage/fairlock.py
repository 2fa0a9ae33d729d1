"""The repository's lock: reentrant, first come first served, and its owner can step aside.

Why not `threading.RLock`: one thread at a time owns the repository (every write and every
read-modify-write runs under this lock), but a report over 5,000 cases takes seconds of
reading. With an RLock the builder either holds the lock all that time (every other user
waits) or releases it and at once takes it back before a waiting thread wakes (CPython's
locks are not fair, so the waiter can starve). Here a thread that wants the lock takes a
ticket and is served in order, and `stepped_aside()` lets the owner release it (at every
depth) for work that needs no exclusion and queue again behind those who came meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class FairLock:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._next_ticket = 0
        self._serving = 0
        self._abandoned: set[int] = set()

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return
            self._take(me, 1)

    def _take(self, me: int, depth: int) -> None:
        ticket = self._next_ticket
        self._next_ticket += 1
        try:
            while self._owner is not None or self._serving != ticket:
                self._cond.wait()
        except BaseException:
            # interrupted in the queue (KeyboardInterrupt, an async exception): give the
            # ticket up, or every thread behind it would wait for it for ever
            self._abandoned.add(ticket)
            self._next_served()
            raise
        self._owner, self._depth = me, depth
        self._serving += 1
        self._next_served()

    def _next_served(self) -> None:
        """Skip tickets given up, then wake the queue: the next ticket may now be the one to
        wait for the owner."""
        while self._serving in self._abandoned:
            self._abandoned.remove(self._serving)
            self._serving += 1
        self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            if self._owner != threading.get_ident():
                raise RuntimeError("release of a FairLock not held by this thread")
            self._depth -= 1
            if not self._depth:
                self._owner = None
                self._cond.notify_all()

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def waiting(self) -> int:
        """Threads queued for the lock (tests wait on this, not on time, to know a thread
        has taken its place before they go on)."""
        with self._cond:
            return self._next_ticket - self._serving - len(self._abandoned)

    def held(self) -> bool:
        """Whether the calling thread holds the lock."""
        return self._owner == threading.get_ident()

    @contextmanager
    def stepped_aside(self) -> Iterator[None]:
        """Release the lock (if this thread holds it, at every depth) for the block, then
        queue for it again like any other thread. Does nothing for a thread not holding it."""
        me = threading.get_ident()
        with self._cond:
            if self._owner != me:
                depth = 0
            else:
                depth, self._owner, self._depth = self._depth, None, 0
                self._cond.notify_all()
        try:
            yield
        finally:
            if depth:
                with self._cond:
                    self._take(me, depth)
