"""The pending events of one subscription, read from the chain once per batch.

A delivery batch (webhooks.delivery.deliver) sends events one transaction at a time, but
reading the chain past the cursor for every event cost more than the POST itself (up to
`BATCH` links with their entries, to use the first). The window keeps what one read
found: the matching events in (after, through], in chain order, and refills only when it
runs dry. It is a cache of the chain, never the truth: it serves a subscription only when
the subscription's cursor and filter, read under its row lock, are the ones it was filled
for. A replay, another worker, or a changed filter moves them and the window starts over.
"""

from collections import deque

from audit import forwarding

BATCH = 200


class Window:
    def __init__(self):
        self._events, self._after, self._through = None, None, None
        self._items = deque()  # (entry, names) that the filter takes, seq in (after, through]

    def _reset(self, subscription):
        self._events, self._after = list(subscription.events), subscription.last_seq
        self._through = self._after
        self._items.clear()

    def next_event(self, subscription):
        """(entry, names, seq the cursor may skip to first) of the next matching entry past the
        subscription's cursor; (None, None, the chain seq read through) when there is none."""
        if self._after != subscription.last_seq or self._events != subscription.events:
            self._reset(subscription)
        while not self._items:
            entries, through = forwarding.pending(self._through, BATCH)
            if through == self._through:
                return None, None, through
            self._through = through
            for entry in entries:
                names = forwarding.event_types(entry)
                if forwarding.matches(self._events, names):
                    self._items.append((entry, names))
        entry, names = self._items[0]
        return entry, names, entry["seq"] - 1

    def moved(self, last_seq):
        """The cursor was committed at `last_seq`: what is behind it will not be asked for again."""
        while self._items and self._items[0][0]["seq"] <= last_seq:
            self._items.popleft()
        self._after = last_seq
