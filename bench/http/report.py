"""The printed table: requests/s, p50/p95/p99 and the ratios to the bare endpoint, per database,
and whether each of the issue's aims is met."""

from __future__ import annotations

from dataclasses import dataclass

from bench.harness import fact_lines, ratio
from bench.http.load import LoadResult

AIMS: dict[str, tuple[float, float | None]] = {
    # scenario key: (minimum requests/s ratio, maximum p95 ratio or None)
    "healthz": (0.8, None),
    "read": (0.35, 2.5),
    "write": (0.2, None),
}


@dataclass(frozen=True)
class Row:
    database: str
    key: str
    label: str
    result: LoadResult
    baseline: LoadResult

    @property
    def rps_ratio(self) -> float:
        return ratio(self.result.rps, self.baseline.rps)

    @property
    def p95_ratio(self) -> float:
        return ratio(self.result.p95_ms, self.baseline.p95_ms)

    @property
    def cpu_ratio(self) -> float | None:
        """The bare endpoint's CPU per request over this row's (1.0 = as cheap as bare)."""
        mine, bare = self.result.cpu_ms_per_request, self.baseline.cpu_ms_per_request
        return ratio(bare, mine) if mine and bare else None


def _aim(row: Row) -> str:
    if row.key not in AIMS:
        return ""
    min_rps, max_p95 = AIMS[row.key]
    ok = row.rps_ratio >= min_rps and (max_p95 is None or row.p95_ratio <= max_p95)
    wanted = f"≥{min_rps}" + (f", p95 ≤{max_p95}×" if max_p95 else "")
    return f"{'met' if ok else 'NOT met'} ({wanted})"


def markdown(rows: list[Row], facts: list[tuple[str, str]]) -> str:
    lines = ["HTTP path benchmark (one uvicorn worker per server, loopback)", *fact_lines(facts), ""]
    lines.append(
        "| endpoint | database | requests/s | p50 ms | p95 ms | p99 ms "
        "| ratio req/s | ratio p95 | server CPU ms/req | ratio CPU | non-2xx | aim |"
    )
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        r = row.result
        cpu = f"{r.cpu_ms_per_request:.2f}" if r.cpu_ms_per_request is not None else "–"
        cpu_ratio = f"{row.cpu_ratio:.2f}" if row.cpu_ratio is not None else "–"
        lines.append(
            f"| {row.label} | {row.database} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | "
            f"{r.p99_ms:.1f} | {row.rps_ratio:.2f} | {row.p95_ratio:.2f} | {cpu} | {cpu_ratio} | "
            f"{r.non_2xx + r.socket_errors} | {_aim(row)} |"
        )
    return "\n".join(lines)
