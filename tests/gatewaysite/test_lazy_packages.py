"""Re-export-only packages load their names on first use (gatewaysite/lazy_packages.py)."""

from __future__ import annotations

import builtins
import importlib
import sys

import pytest

from gatewaysite.lazy_packages import LazyReexportFinder, reexports_of
from tests.gatewaysite.fresh_process import run_in_fresh_process


def test_reexports_are_read_from_an_init_made_only_of_them() -> None:
    source = '"""Doc."""\nfrom __future__ import annotations\nfrom .a import A as A\nfrom .b import (B, C as D)\nfrom . import sub\n'
    assert reexports_of(source) == {"A": ("a", "A"), "B": ("b", "B"), "D": ("b", "C"), "sub": (None, "sub")}


@pytest.mark.parametrize(
    "source",
    ["from .a import A\nVALUE = 1\n", "from .a import *\n", "import os\nfrom .a import A\n", "from pkg.a import A\n"],
)
def test_an_init_that_does_anything_else_is_not_lazy(source: str) -> None:
    assert reexports_of(source) is None


@pytest.fixture
def packages(tmp_path, monkeypatch):
    """Two packages under tmp_path: `lazy_demo` (re-exports only) and `eager_demo` (runs code in its __init__)."""
    lazy = tmp_path / "lazy_demo"
    lazy.mkdir()
    (lazy / "__init__.py").write_text("from .heavy import Heavy as Heavy\nfrom .light import Light as Light\n")
    (lazy / "heavy.py").write_text(
        "import builtins\nbuiltins.HEAVY_LOADS = getattr(builtins, 'HEAVY_LOADS', 0) + 1\nclass Heavy: ...\n"
    )
    (lazy / "light.py").write_text("class Light: ...\n")
    eager = tmp_path / "eager_demo"
    eager.mkdir()
    (eager / "__init__.py").write_text("from .light import Light as Light\nLOADED = True\n")
    (eager / "light.py").write_text("class Light: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = LazyReexportFinder(["lazy_demo", "eager_demo"])
    sys.meta_path.insert(0, finder)
    yield
    sys.meta_path.remove(finder)
    for name in [n for n in sys.modules if n.split(".")[0] in ("lazy_demo", "eager_demo")]:
        del sys.modules[name]
    builtins.__dict__.pop("HEAVY_LOADS", None)


def test_a_submodule_loads_only_when_one_of_its_names_is_used(packages) -> None:
    package = importlib.import_module("lazy_demo")
    assert "lazy_demo.heavy" not in sys.modules
    from lazy_demo import Light

    assert Light.__module__ == "lazy_demo.light"
    assert "lazy_demo.heavy" not in sys.modules and not hasattr(builtins, "HEAVY_LOADS")
    assert package.Heavy.__module__ == "lazy_demo.heavy"
    assert package.Heavy is package.Heavy and builtins.HEAVY_LOADS == 1
    assert sorted(package.__all__) == ["Heavy", "Light"] and "Heavy" in dir(package)


def test_an_unknown_name_is_an_attribute_error_and_a_submodule_is_reachable(packages) -> None:
    package = importlib.import_module("lazy_demo")
    assert not hasattr(package, "Nothing")
    with pytest.raises(ImportError):
        from lazy_demo import Nothing  # noqa: F401
    assert package.light.Light is package.Light


def test_a_package_with_code_in_its_init_loads_as_written(packages) -> None:
    package = importlib.import_module("eager_demo")
    assert package.LOADED is True and "eager_demo.light" in sys.modules


PROBE = """
import sys
import django
django.setup()
import gatewaysite.asgi
import openai
from openai.types.chat import ChatCompletion
from openai.types import Batch
print(int("openai.types.responses.response" in sys.modules), int("openai.types.batch" in sys.modules),
      ChatCompletion.__module__, Batch.__module__)
"""


def test_the_server_loads_openai_without_the_api_it_never_calls(tmp_path) -> None:
    out = run_in_fresh_process(PROBE, tmp_path)
    responses_loaded, batch_loaded, chat_module, batch_module = out.split()
    assert responses_loaded == "0", "openai's Responses API types were imported at start"
    assert batch_loaded == "1" and batch_module == "openai.types.batch"
    assert chat_module == "openai.types.chat.chat_completion"
