"""The tool registry: built-ins plus tools a deployment registers; configuration names tools and never imports them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from rest_framework.test import APIClient

from agents_app.tools import registry
from agents_app.tools.registry import (
    UnknownToolError,
    is_known_tool,
    load_tool,
    registered_tool_names,
    tool_names,
    tool_problem,
)
from console_app.roles import ADMIN, assign_role
from routing.api.models import ApiToken
from routing.yaml_config.importer import import_gateway_yaml
from routing.yaml_config.issues import ConfigError

MARKER_MODULE = """
from pathlib import Path
Path({marker!r}).write_text("imported")

def s():
    return "ran"
"""


def test_the_built_ins_are_search_web_and_get_weather() -> None:
    assert tool_names() == ["search_web", "get_weather"]
    assert load_tool("get_weather").name == "get_weather"


def test_registered_tool_names_lists_built_ins_then_the_deployments_tools() -> None:
    names = registered_tool_names()
    assert names[:2] == ["search_web", "get_weather"]
    assert {"add", "convert", "explode"} <= set(names[2:])
    assert names[2:] == sorted(names[2:])


def test_a_registered_tool_is_known_by_its_name_and_by_its_dotted_path() -> None:
    assert load_tool("add") is load_tool("tests.agents_app.sample_tools.add")
    assert load_tool("tests.agents_app.sample_tools.add").name == "add"


def test_a_custom_tool_gets_its_schema_from_signature_and_docstring() -> None:
    tool = load_tool("tests.agents_app.sample_tools.convert")
    assert tool.name == "convert"
    assert tool.description == "Convert a distance between kilometres and miles."
    assert tool.parameters == {
        "type": "object",
        "properties": {
            "amount": {"type": "number", "description": "How far."},
            "unit": {"enum": ["km", "mi"], "description": "The unit of `amount`.", "default": "km"},
            "note": {"type": "string", "description": "Free text, ignored."},
        },
        "required": ["amount"],
    }


@pytest.mark.parametrize(
    "name",
    ["search_the_web", "subprocess.getoutput", "os.system", "tests.agents_app.sample_tools.missing", "lookup"],
)
def test_a_name_that_is_not_registered_is_an_unknown_tool_even_when_importable(name: str) -> None:
    assert not is_known_tool(name)
    assert f"unknown tool {name!r}" in (tool_problem(name) or "")
    with pytest.raises(UnknownToolError):
        load_tool(name)


@pytest.mark.django_db
def test_an_importable_callable_in_yaml_tools_is_a_key_path_error() -> None:
    with pytest.raises(ConfigError) as caught:
        import_gateway_yaml("agents:\n  shell:\n    model: echo\n    tools: [search_web, subprocess.getoutput]\n")
    messages = {issue.path: issue.message for issue in caught.value.issues}
    assert "agents.shell.tools[1]" in messages
    assert messages["agents.shell.tools[1]"].startswith("unknown tool 'subprocess.getoutput'")


@pytest.mark.django_db
def test_a_dry_run_import_never_imports_the_module_a_tool_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "imported.txt"
    (tmp_path / "gw_marker_tool.py").write_text(MARKER_MODULE.format(marker=str(marker)))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("this", None)
    user = get_user_model().objects.create_user("op", password="pw-123456789")
    assign_role(user, ADMIN)
    _, raw = ApiToken.issue(user, "admin", ApiToken.Scope.ADMIN)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    yaml_text = "agents:\n  a:\n    model: echo\n    tools: ['this.s', 'gw_marker_tool.s']\n"
    response = client.post("/api/v1/config/import?dry_run=true", yaml_text, content_type="application/yaml")

    assert response.status_code == 400, response.content
    assert "this" not in sys.modules
    assert "gw_marker_tool" not in sys.modules and not marker.exists()


@pytest.mark.django_db
def test_a_module_listed_in_gateway_tool_modules_registers_its_decorated_functions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "gw_deployment_tools.py").write_text(
        "from agents_app.tools.registry import gateway_tool\n\n"
        "@gateway_tool(name='lookup_order')\n"
        "def lookup(order_id: str) -> str:\n"
        '    """Find an order."""\n'
        "    return order_id\n\n"
        "def helper() -> str:\n"
        "    return 'not a tool'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert not is_known_tool("lookup_order")
    try:
        with override_settings(GATEWAY_TOOL_MODULES=["tests.agents_app.sample_tools", "gw_deployment_tools"]):
            assert "lookup_order" in registered_tool_names()
            assert load_tool("gw_deployment_tools.lookup").name == "lookup_order"
            assert not is_known_tool("gw_deployment_tools.helper")
            import_gateway_yaml("agents:\n  orders:\n    model: echo\n    tools: [lookup_order]\n")
    finally:  # registrations outlive the import: forget this one so later tests see the usual registry
        registry._tools.pop("lookup_order", None)
        registry._aliases.pop("gw_deployment_tools.lookup", None)
        sys.modules.pop("gw_deployment_tools", None)


async def test_invoke_reports_bad_arguments_to_the_model_instead_of_raising() -> None:
    tool = load_tool("tests.agents_app.sample_tools.add")
    outcome = await tool.invoke({"a": 1}, time_limit=5)
    assert outcome.error is True
    assert "missing 1 required positional argument: 'b'" in outcome.result
    unreadable = await tool.invoke({"_raw": "{not json"}, time_limit=5)
    assert unreadable.error and "not a JSON object" in unreadable.result


async def test_an_async_tool_is_awaited() -> None:
    outcome = await load_tool("tests.agents_app.sample_tools.convert").invoke({"amount": 10}, time_limit=5)
    assert (outcome.result, outcome.error) == ("6.21 mi", False)
