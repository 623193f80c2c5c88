"""Every route of the API reads JSON bodies exactly (api.exact_json): a router added without
``route_class=ExactJsonRoute`` would read money sent as a JSON number through a float again."""

from __future__ import annotations

import importlib
import pkgutil

import api.routes
from api.exact_json import ExactJsonRoute


def test_every_api_router_reads_json_exactly():
    names = [f"api.routes.{module.name}" for module in pkgutil.iter_modules(api.routes.__path__)]
    routers = {name: importlib.import_module(name).router for name in [*names, "api.metrics"]}
    routes = [(name, route) for name, router in routers.items() for route in router.routes]
    assert len(routers) == 21 and len(routes) >= 40  # every router of the API, none skipped
    assert [(name, route.path) for name, route in routes if not isinstance(route, ExactJsonRoute)] == []
