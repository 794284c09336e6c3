"""The local batch's progress display, with each worker's count and throughput as its detail."""
from __future__ import annotations

import time

from ..batch import _Reporter


class ClusterReporter(_Reporter):
    """Per worker: submissions graded and their rate since its first result ("w:port 12 · 0.8/s")."""

    REFRESH = 0.5

    def __init__(self, total: int, bar: bool):
        super().__init__(total, bar)
        self.workers: dict[str, list] = {}     # address -> [count, first result at, last result at]
        self._shown = 0.0

    def graded_by(self, address: str) -> None:
        now = time.monotonic()
        w = self.workers.setdefault(address, [0, now, now])
        w[0] += 1
        w[2] = now
        if now - self._shown >= self.REFRESH:
            self.show()

    def show(self) -> None:
        self._shown = time.monotonic()
        parts = []
        for address, (count, first, last) in sorted(self.workers.items(), key=lambda kv: -kv[1][0]):
            rate = (count - 1) / (last - first) if last > first else 0.0
            parts.append(f"{_short(address)} {count} · {rate:.1f}/s")
        self.current(parts)

    def rates(self) -> dict[str, tuple[int, float]]:
        return {address: (count, (count - 1) / (last - first) if last > first else 0.0)
                for address, (count, first, last) in self.workers.items()}


def _short(address: str) -> str:
    host, _, port = address.rpartition(":")
    host = host.split("://")[-1]
    return f"{host}:{port}" if host not in ("127.0.0.1", "localhost") else f":{port}"
