"""The Grafana dashboard and the Prometheus alert rules agree with shared/observability/metrics.py
(issue 12): every metric defined there has a panel, every name a panel or an alert queries exists,
histograms are shown as quantiles, and every alert names a runbook step that deploy/README.md has.

There is no promtool here, so expressions are read with a small tokeniser: label matchers, range
selectors, strings and `by (...)`-style label lists are dropped, function calls and keywords are
skipped, and what is left are the series names the expression selects.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from shared.observability import metrics

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "deploy" / "grafana" / "provisioning" / "dashboards" / "json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
RUNBOOK = ROOT / "deploy" / "README.md"

STANDARD = {"up"}
"""Series Prometheus itself adds to every target."""
STANDARD_PREFIXES = ("process_", "python_", "scrape_")
"""prometheus_client's default process and platform collectors, and Prometheus's scrape series."""
KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def _defined() -> dict[str, tuple[str, set[str]]]:
    """Metric name → (type, the series names it exposes), for every collector in metrics.py."""
    out: dict[str, tuple[str, set[str]]] = {}
    for value in vars(metrics).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        (described,) = value.describe()
        name, kind = described.name, described.type
        series = {
            "counter": {f"{name}_total"},
            "gauge": {name},
            "histogram": {f"{name}_bucket", f"{name}_sum", f"{name}_count"},
            "summary": {name, f"{name}_sum", f"{name}_count"},
        }[kind]
        out[name] = (kind, series)
    return out


DEFINED = _defined()
SERIES = {series: name for name, (_, names) in DEFINED.items() for series in names}


def selected_series(expr: str) -> set[str]:
    """The series names a PromQL expression selects (functions, keywords and labels left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings (label values, regexes)
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # range and subquery selectors
    text = _LABEL_LIST.sub("", text)
    names: set[str] = set()
    for match in _NAME.finditer(text):
        word = match.group()
        if word.lower() in KEYWORDS or re.match(r"\s*\(", text[match.end() :]):
            continue  # a keyword, or a function or aggregation being called
        if match.start() > 0 and (text[match.start() - 1].isdigit() or text[match.start() - 1] == "."):
            continue  # the exponent or unit of a number (1e3, 5m)
        names.add(word)
    return names


def _known(series: str) -> bool:
    return series in SERIES or series in STANDARD or series.startswith(STANDARD_PREFIXES)


def _balanced(expr: str) -> bool:
    pairs, stack = {")": "(", "]": "[", "}": "{"}, []
    for char in re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr):
        if char in "([{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return False
    return not stack


# --------------------------------------------------------------------------- the tokeniser


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('up{job=~"a|b"} == 0', {"up"}),
        ("histogram_quantile(0.95, sum by (service, le) (rate(x_bucket[5m])))", {"x_bucket"}),
        ("a > 0 unless on (service) sum by (service) (increase(b_total[15m])) > 0", {"a", "b_total"}),
        ("max by (service) (c) > 1e3 and deriv(c[10m]) > 0", {"c"}),
        ('sum(rate(d_total{outcome=~"failed|retry"}[15m])) / sum(rate(d_total[15m]))', {"d_total"}),
    ],
)
def test_the_tokeniser_finds_exactly_the_selected_series(expr: str, expected: set[str]) -> None:
    assert selected_series(expr) == expected


def test_metrics_py_defines_the_metrics_issue_12_asks_for() -> None:
    assert {
        "outbox_backlog": "gauge",
        "outbox_oldest_pending_age_seconds": "gauge",
        "outbox_parked": "counter",
        "event_end_to_end_latency_seconds": "histogram",
        "event_handler_duration_seconds": "histogram",
        "consumer_lag": "gauge",
        "events_dead_lettered": "counter",
        "notification_delivery_attempts": "counter",
    }.items() <= {name: kind for name, (kind, _) in DEFINED.items()}.items()


# --------------------------------------------------------------------------- dashboards


def _panels() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard = json.loads(path.read_text())
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(ids) == len(set(ids)), f"{path.name}: panel ids repeat"
        out += [(path.name, panel) for panel in dashboard["panels"] if panel.get("type") != "row"]
    return out


def _panel_exprs() -> list[tuple[str, str]]:
    return [
        (f"{name}: {panel['title']}", target["expr"])
        for name, panel in _panels()
        for target in panel.get("targets", [])
    ]


def test_every_metric_of_metrics_py_has_a_dashboard_panel() -> None:
    shown = {SERIES[s] for _, expr in _panel_exprs() for s in selected_series(expr) if s in SERIES}
    assert set(DEFINED) - shown == set(), "metrics without a panel"


def test_histograms_are_shown_as_quantiles_of_their_buckets() -> None:
    exprs = [expr for _, expr in _panel_exprs()]
    for name, (kind, _) in DEFINED.items():
        if kind == "histogram":
            assert any(
                "histogram_quantile(" in expr and f"{name}_bucket" in selected_series(expr) for expr in exprs
            ), f"{name}: no histogram_quantile panel"


def test_every_panel_queries_known_series_through_the_provisioned_datasource() -> None:
    for where, panel in _panels():
        assert panel.get("targets"), f"{where}: {panel['title']} has no query"
        assert panel["datasource"] == {"type": "prometheus", "uid": "prometheus"}, where
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"]), where
    for where, expr in _panel_exprs():
        assert _balanced(expr), f"{where}: unbalanced brackets in {expr!r}"
        unknown = {s for s in selected_series(expr) if not _known(s)}
        assert not unknown, f"{where}: {expr!r} queries series nobody exports: {unknown}"


# --------------------------------------------------------------------------- alert rules


def _rules() -> list[dict[str, Any]]:
    config = yaml.safe_load(ALERTS.read_text())
    return [rule for group in config["groups"] for rule in group["rules"]]


def test_every_alert_expression_names_series_that_exist() -> None:
    for rule in _rules():
        expr = rule["expr"]
        assert _balanced(expr), f"{rule['alert']}: unbalanced brackets"
        series = selected_series(expr)
        assert series, f"{rule['alert']}: selects nothing"
        unknown = {s for s in series if not _known(s)}
        assert not unknown, f"{rule['alert']}: {unknown} is defined neither in metrics.py nor by Prometheus"


def test_alerts_cover_what_issue_12_asks_for() -> None:
    watched = {SERIES.get(s, s) for rule in _rules() for s in selected_series(rule["expr"])}
    assert {
        "outbox_backlog",
        "outbox_oldest_pending_age_seconds",
        "outbox_parked_rows",
        "events_dead_lettered",
        "consumer_lag",
        "notification_delivery_attempts",
    } <= watched


def test_every_alert_has_a_severity_a_summary_and_a_runbook_step_that_exists() -> None:
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', RUNBOOK.read_text()))
    names = [rule["alert"] for rule in _rules()]
    assert len(names) == len(set(names)), "alert names repeat"
    for rule in _rules():
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        path, _, anchor = rule["annotations"]["runbook"].partition("#")
        assert path == "deploy/README.md" and anchor in anchors, (
            f"{rule['alert']}: no runbook step {anchor!r}"
        )
