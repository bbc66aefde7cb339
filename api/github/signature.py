"""Webhook delivery checks: the HMAC signature over the raw body, and replayed deliveries."""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from threading import Lock


def sign(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value GitHub sends for `body`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """True only for `sha256=<hex HMAC of the raw body>`, compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode())


class DeliveryLog:
    """The most recent `X-GitHub-Delivery` ids, so a replayed delivery is done only once."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity
        self._lock = Lock()

    def first_time(self, delivery: str) -> bool:
        """Record the id; False when it was already recorded."""
        with self._lock:
            if delivery in self._seen:
                self._seen.move_to_end(delivery)
                return False
            self._seen[delivery] = None
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
            return True

    def forget(self, delivery: str) -> None:
        """Drop an id whose work was refused (queue full), so GitHub's redelivery is accepted."""
        with self._lock:
            self._seen.pop(delivery, None)
