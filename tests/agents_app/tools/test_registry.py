"""The tool registry: built-ins, custom tools by dotted path, schemas from signatures, and validation."""

from __future__ import annotations

import pytest

from agents_app.tools.registry import UnknownToolError, is_known_tool, load_tool, tool_names, tool_problem


def test_the_built_ins_are_search_web_and_get_weather() -> None:
    assert tool_names() == ["search_web", "get_weather"]
    assert load_tool("get_weather").name == "get_weather"


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
    ("name", "problem"),
    [
        ("search_the_web", "unknown tool 'search_the_web'"),
        ("tests.agents_app.no_such_module.f", "cannot import module"),
        ("tests.agents_app.sample_tools.missing", "has no callable 'missing'"),
    ],
)
def test_unknown_tool_names_are_a_validation_error(name: str, problem: str) -> None:
    assert problem in (tool_problem(name) or "")
    with pytest.raises(UnknownToolError):
        load_tool(name)


def test_a_well_shaped_name_is_known_before_import_and_a_bare_word_is_not() -> None:
    assert is_known_tool("search_web")
    assert is_known_tool("myproject.tools.lookup")
    assert not is_known_tool("lookup")
    assert tool_problem("tests.agents_app.sample_tools.add") is None


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
