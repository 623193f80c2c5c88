"""The provisioned Grafana dashboards: valid, wired to the provisioned datasource, and every PromQL query
names only metrics the code exports (collected from the code's own registries, not from a list here)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY, CollectorRegistry

import processors.common.metrics  # noqa: F401 - registers the processors' metrics
import sinks.metrics  # noqa: F401 - registers the sinks' metrics
from api.metrics import install_metrics

GRAFANA = Path(__file__).resolve().parents[2] / "infra" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
# Series Prometheus makes itself for every target.
SCRAPE_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless"}
KEYWORDS |= {"offset", "inf", "nan"}


def exported_names(registry: CollectorRegistry) -> set[str]:
    """Every sample name a registry can expose (``_total``, ``_bucket``… included), labelled or not yet."""
    return set(registry._names_to_collectors)  # the registry's own index, kept for its duplicate check


def code_metrics() -> set[str]:
    api = FastAPI()
    install_metrics(api)
    return exported_names(REGISTRY) | exported_names(api.state.metrics.registry) | SCRAPE_SERIES


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (selectors), leaving out functions, keywords, label
    names of grouping clauses, matchers, ranges, strings and numbers."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)  # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges and subqueries
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for match in re.finditer(r"(?<![\w$.])([A-Za-z_:][\w:]*)\b(?!\s*\()", expr):
        if match.group(1).lower() not in KEYWORDS:
            names.add(match.group(1))
    return names


def queries(dashboard: dict) -> list[str]:
    exprs = []
    for panel in dashboard["panels"]:
        exprs += [target["expr"] for target in panel.get("targets", [])]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        if query:  # label_values(metric, label): the metric is what must exist
            found = re.match(r"label_values\((?P<expr>.+),\s*\w+\)$", query)
            exprs.append(found.group("expr") if found else query)
    return exprs


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def test_the_three_dashboards_exist():
    titles = {load(path)["title"] for path in DASHBOARDS}
    assert any("Pipeline health" in t for t in titles) and any("portfolio" in t for t in titles)
    assert any("Agents" in t for t in titles)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_every_query_names_only_metrics_the_code_exports(path):
    exported = code_metrics()
    exprs = queries(load(path))
    assert exprs
    unknown = {name for expr in exprs for name in metric_names(expr)} - exported
    assert not unknown, f"{path.name} queries metrics nothing exports: {sorted(unknown)}"


def provisioned(relative: str, key: str) -> str:
    """A ``key: value`` of a provisioning file (no YAML parser among the dependencies: the files are flat)."""
    return re.search(rf"^\s*{key}:\s*(\S+)", (GRAFANA / "provisioning" / relative).read_text(), re.M).group(1)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_every_panel_uses_the_provisioned_datasource(path):
    uid = provisioned("datasources/prometheus.yml", "uid")
    dashboard = load(path)
    assert dashboard["uid"] == path.stem
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == uid and panel["targets"], panel["title"]
            assert all(target["datasource"]["uid"] == uid for target in panel["targets"])


def test_the_dashboards_folder_is_the_one_provisioned_and_mounted():
    compose = (GRAFANA.parents[1] / "docker-compose.yml").read_text()
    folder = provisioned("dashboards/crm.yml", "path")
    assert f"- ./infra/grafana/dashboards:{folder}:ro" in compose
    assert "- ./infra/grafana/provisioning:/etc/grafana/provisioning:ro" in compose
    assert len({load(path)["uid"] for path in DASHBOARDS}) == len(DASHBOARDS)


def test_the_metric_name_extraction_finds_selectors_and_nothing_else():
    expr = (
        "histogram_quantile(0.99, sum by (processor, le) (rate(crm_processor_processing_seconds_bucket"
        '{processor=~"$processor", topic="a:b"}[5m]))) / on (bank) group_left (x) up offset 5m'
        ' - time() + crm_consumer_lag > bool 1e3 and crm_agent_capacity{team=~"$team"}[$__range]'
    )
    assert metric_names(expr) == {
        "crm_processor_processing_seconds_bucket",
        "up",
        "crm_consumer_lag",
        "crm_agent_capacity",
    }


def test_an_unknown_metric_would_be_reported():
    assert "crm_no_such_metric_total" not in code_metrics()
    assert metric_names("rate(crm_no_such_metric_total[5m])") - code_metrics() == {"crm_no_such_metric_total"}
