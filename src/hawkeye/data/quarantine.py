"""The quarantine list: bad input is recorded with a reason, never dropped silently.

A run goes on past bad rows and fails only when their share passes the
configured threshold, so that one corrupt file does not stop a night's
training but a broken dataset does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from hawkeye.errors import HawkeyeError

COLUMNS = ["sample_id", "source", "stage", "reason"]


class QuarantineExceeded(HawkeyeError, RuntimeError):
    """Too much of the input was bad to trust the run."""


@dataclass
class Quarantine:
    stage: str
    entries: list[dict[str, str]] = field(default_factory=list)

    def add(self, sample_id: object, source: object, reason: str) -> None:
        self.entries.append(
            {
                "sample_id": str(sample_id),
                "source": str(source),
                "stage": self.stage,
                "reason": reason,
            }
        )

    def __len__(self) -> int:
        return len(self.entries)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.entries, columns=COLUMNS)

    def check_share(self, total: int, max_share: float) -> None:
        """Raise when the quarantined share of ``total`` inputs passes ``max_share``."""
        share = len(self) / total if total else 1.0
        if share > max_share:
            reasons = "; ".join(f"{e['sample_id']}: {e['reason']}" for e in self.entries[:5])
            raise QuarantineExceeded(
                f"{self.stage}: {len(self)} of {total} inputs quarantined ({share:.0%} > "
                f"max_quarantine_share {max_share:.0%}). First reasons: {reasons}"
            )


def combine(*frames: pd.DataFrame) -> pd.DataFrame:
    """One quarantine table from several stages."""
    parts = [f for f in frames if f is not None and len(f)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
