"""The printed table: flow rates and ratios to raw, insert + flow, CPU per event, round trips."""

from __future__ import annotations

from bench.bus.raw import RawResult
from bench.bus.spine import SpineResult
from bench.bus.split import SplitResult
from bench.harness import cpu_row, fact_lines, median, median_run, ratio


def report(
    facts: list[tuple[str, str]],
    n: int,
    raws: list[RawResult],
    spines: dict[str, list[SpineResult]],
    split: SplitResult | None,
) -> str:
    """The whole report; `spines` maps each handler to its runs, in the order of `raws`."""
    raw_med = median(r.rate for r in raws)
    med = {h: median(s.rate for s in runs) for h, runs in spines.items()}
    raw_mid = median_run(raws, key=lambda r: r.rate)
    mids = {h: median_run(runs, key=lambda s: s.rate) for h, runs in spines.items()}
    out = ["Bus throughput: raw aiokafka vs the spine (outbox → relay → Kafka → inbox → DB)", ""]
    out += fact_lines([*facts, ("events per run", str(n))])
    out += ["", *_flow(raws, spines, raw_med, med)]
    out += ["", *_insert_and_flow(spines, raw_med)]
    out += ["", _result(raw_med, med)]
    out += ["", *_cpu(n, raw_mid, mids, split)]
    out += ["", *_round_trips(n, mids, split)]
    return "\n".join(out)


def _flow(
    raws: list[RawResult], spines: dict[str, list[SpineResult]], raw_med: float, med: dict[str, float]
) -> list[str]:
    out = ["Flow only (outbox rows staged before the clock starts), events/s:"]
    head = "run  raw aiokafka"
    for h in spines:
        head += f"  {'spine[' + h + ']':>15}  ratio"
    out.append(head)
    for i, raw in enumerate(raws):
        line = f"{i + 1:>3}  {raw.rate:12.0f}"
        for runs in spines.values():
            line += f"  {runs[i].rate:15.0f}  {ratio(runs[i].rate, raw.rate):5.2f}"
        out.append(line)
    line = f"med  {raw_med:12.0f}"
    for h in spines:
        line += f"  {med[h]:15.0f}  {ratio(med[h], raw_med):5.2f}"
    out.append(line)
    return out


def _insert_and_flow(spines: dict[str, list[SpineResult]], raw_med: float) -> list[str]:
    out = [
        "Outbox insert + flow (staging N rows via add_to_outbox, 500 per transaction, then",
        "the flow above), median:",
    ]
    for h, runs in spines.items():
        incl = median(s.with_insert_rate for s in runs)
        ins = median(s.insert_rate for s in runs)
        out.append(
            f"  spine[{h}]: {incl:.0f} ev/s end to end; the insert alone {ins:.0f} rows/s "
            f"(ratio to raw {ratio(incl, raw_med):.2f})"
        )
    return out


def _result(raw_med: float, med: dict[str, float]) -> str:
    result = f"RESULT raw={raw_med:.0f} ev/s"
    for h, rate in med.items():
        result += f"  spine[{h}]={rate:.0f} ev/s ratio={ratio(rate, raw_med):.2f}"
    return result + "  (aim: ratio 0.35 or better)"


def _cpu(n: int, raw_mid: RawResult, mids: dict[str, SpineResult], split: SplitResult | None) -> list[str]:
    out = [
        "Where the time goes: CPU per event by process (µs), median run. '≤ N/s at 100%' is",
        "the rate this Python process would reach using a whole core; 'machine busy' is the",
        "three processes' CPU / (wall × cores):",
    ]
    out += cpu_row("raw produce→consume", raw_mid.usage, n)
    for h, mid in mids.items():
        out += cpu_row(f"spine[{h}]", mid.usage, n)
    if split is None:
        return out
    h = split.handler
    out += cpu_row("relay alone", split.relay.usage, n)
    out += cpu_row(f"consumer[{h}] alone", split.consumer.usage, n)
    out += cpu_row("consumer[none] alone", split.bus_only.usage, n)
    r, c = n / split.relay.usage.wall_s, n / split.consumer.usage.wall_s
    out.append(
        f"  relay and consumer share one Python core: 1/(1/{r:.0f} + 1/{c:.0f}) = "
        f"{1 / (1 / r + 1 / c):.0f} ev/s if serialised (together: {mids[h].rate:.0f})"
    )
    raw_us = raw_mid.usage.py_cpu_s / n * 1e6
    relay_us = split.relay.usage.py_cpu_s / n * 1e6
    bus_us = split.bus_only.usage.py_cpu_s / n * 1e6
    handler_us = (split.consumer.usage.py_cpu_s - split.bus_only.usage.py_cpu_s) / n * 1e6
    out.append(
        f"  python CPU per event: raw {raw_us:.0f} µs | spine: relay {relay_us:.0f} µs + "
        f"consumer without handler {bus_us:.0f} µs + handler[{h}] {handler_us:.0f} µs"
    )
    return out


def _round_trips(n: int, mids: dict[str, SpineResult], split: SplitResult | None) -> list[str]:
    out = ["Database round trips (pool pre-ping + BEGIN + statements + COMMIT):"]
    for h, mid in mids.items():
        d, rb, cb = mid.db, mid.relay_batches, mid.consumer_batches
        out.append(
            f"  spine[{h}]: {d.round_trips / n:.3f}/event ({d.statements} statements, "
            f"{d.commits} commits); relay {rb.batches} batches of {rb.average()} rows, "
            f"consumer {cb.batches} batches of {cb.average()} events"
        )
    if split is None:
        return out
    for label, stage in (
        ("relay alone", split.relay),
        (f"consumer[{split.handler}] alone", split.consumer),
        ("consumer[none] alone", split.bus_only),
    ):
        batches = max(stage.batches.batches, 1)
        out.append(
            f"  {label:<22} {stage.db.round_trips / batches:.1f} per batch "
            f"({stage.db.statements / batches:.1f} statements), "
            f"{stage.batches.batches} batches of {stage.batches.average()}"
        )
    return out
