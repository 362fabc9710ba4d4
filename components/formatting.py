"""Plain-text formatting for tables: relative times, durations, money, percentages.

Pure functions (no Reflex) so states can prepare rows and tests can check them.
"""

from __future__ import annotations

from datetime import UTC, datetime


def relative_time(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return "never"
    now = now or datetime.now(UTC)
    seconds = (now - moment).total_seconds()
    if seconds < 0:
        return "just now"
    for limit, unit, size in ((60, "s", 1), (3600, "min", 60), (86400, "h", 3600)):
        if seconds < limit:
            return f"{int(seconds // size)} {unit} ago" if seconds >= 5 else "just now"
    days = int(seconds // 86400)
    return f"{days} d ago" if days < 30 else moment.strftime("%Y-%m-%d")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def money(usd: float) -> str:
    # LLM calls cost fractions of a cent: show enough digits to see them.
    if usd == 0:
        return "$0"
    if usd < 0.01:
        return f"${usd:.6f}"
    return f"${usd:.4f}" if usd < 1 else f"${usd:,.2f}"


def percent(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio * 100:.0f}%"


def timestamp(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "–"
