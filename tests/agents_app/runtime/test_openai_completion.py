"""Reading a whole Chat Completions answer from its JSON (agents_app/runtime/providers/openai_compat.py): what an
OpenAI-compatible server sends, including the fields some of them leave out."""

from __future__ import annotations

import pytest

from agents_app.runtime.providers.errors import ProviderFailure
from agents_app.runtime.providers.openai_compat import read_completion


def test_text_tool_calls_usage_and_model_are_read() -> None:
    answer = {
        "model": "served-model",
        "choices": [
            {
                "message": {
                    "content": "Checking.",
                    "tool_calls": [
                        {"id": "c1", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}},
                        {"function": {"name": "add", "arguments": {"a": 1}}},  # no id; arguments already an object
                        {"id": "c3", "type": "function"},  # no function: nothing to run
                        {"id": "c4", "function": {"name": "echo", "arguments": "not json"}},
                    ],
                }
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 3},
    }
    response = read_completion(answer, "requested-model")
    assert response.text == "Checking."
    assert [(call.id, call.name, call.arguments) for call in response.tool_calls] == [
        ("c1", "get_weather", {"city": "Oslo"}),
        ("call_1", "add", {"a": 1}),
        ("c4", "echo", {"_raw": "not json"}),
    ]
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (12, 3)
    assert response.model == "served-model"


@pytest.mark.parametrize(
    "answer",
    [{}, {"choices": []}, {"choices": None, "usage": None}, {"choices": [{"message": None}]}, {"choices": ["x"]}],
)
def test_missing_parts_read_as_empty(answer: dict) -> None:
    response = read_completion(answer, "requested-model")
    assert response.text == "" and response.tool_calls == []
    assert response.model == "requested-model"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (0, 0)


@pytest.mark.parametrize("answer", [["not", "an", "object"], "plain text", None])
def test_an_answer_that_is_not_a_json_object_is_a_provider_error(answer: object) -> None:
    with pytest.raises(ProviderFailure) as failure:
        read_completion(answer, "requested-model")
    assert failure.value.reason == "provider_error"
    assert "not a JSON object" in failure.value.detail
