"""Cases, interleaved repetition and medians.

Every case runs ``repeat`` times, round-robin across cases (case A, B, C, A, B, C, ...), so a
slow phase of the shared machine (another process, a cold cache, a checkpoint) spreads over
all cases instead of landing on one of them. The reported figure is the median.
"""

from __future__ import annotations

import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

Say = Callable[[str], None]


@dataclass
class Measurement:
    """One repetition of a case: seconds, optional peak memory and named sub-timings."""

    seconds: float
    peak_rss_mb: float | None = None
    extras: dict[str, float] = field(default_factory=dict)


@dataclass
class Case:
    """Something timed: ``setup`` and ``teardown`` run outside the clock, ``run`` inside it.

    ``run`` may return a ``Measurement`` of its own (a subprocess that timed itself, so its
    interpreter start-up is not counted); otherwise the harness's wall time is used.
    """

    key: str
    label: str
    run: Callable[[], Measurement | None]
    setup: Callable[[], None] | None = None
    teardown: Callable[[], None] | None = None


@dataclass
class Outcome:
    """Every repetition of one case, or the error that stopped it."""

    measurements: list[Measurement] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.measurements)

    def median(self, metric: str = "seconds") -> float | None:
        """Median of ``seconds``, ``peak_rss_mb`` or an extra over the repetitions."""
        values = [_metric(m, metric) for m in self.measurements]
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None


def _metric(measurement: Measurement, metric: str) -> float | None:
    if metric == "seconds":
        return measurement.seconds
    if metric == "peak_rss_mb":
        return measurement.peak_rss_mb
    return measurement.extras.get(metric)


def run_interleaved(cases: list[Case], repeat: int, say: Say) -> dict[str, Outcome]:
    """Run every case ``repeat`` times, round-robin; a failing case is reported and skipped after."""
    outcomes = {case.key: Outcome() for case in cases}
    for round_number in range(1, repeat + 1):
        say(f"-- round {round_number}/{repeat}")
        for case in cases:
            outcome = outcomes[case.key]
            if outcome.error:
                continue
            try:
                measurement = run_once(case)
            except Exception as exc:  # one broken stage must not hide the other figures
                outcome.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                say(f"   {case.label}: FAILED ({outcome.error})")
                say(_indent(traceback.format_exc()))
                continue
            outcome.measurements.append(measurement)
            say(f"   {case.label}: {_describe(measurement)}")
    return outcomes


def run_once(case: Case) -> Measurement:
    """One repetition: setup, the timed run, teardown (also when the run fails)."""
    if case.setup:
        case.setup()
    try:
        started = time.perf_counter()
        result = case.run()
        elapsed = time.perf_counter() - started
    finally:
        if case.teardown:
            case.teardown()
    return result if result is not None else Measurement(elapsed)


def _describe(measurement: Measurement) -> str:
    text = f"{measurement.seconds:.2f} s"
    if measurement.peak_rss_mb is not None:
        text += f", peak {measurement.peak_rss_mb:.0f} MB"
    if measurement.extras:
        text += " (" + ", ".join(f"{k} {v:.2f}" for k, v in measurement.extras.items()) + ")"
    return text


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.rstrip().splitlines()[-6:])
