"""Packages whose `__init__` only re-exports its submodules, loaded lazily: a name is imported when first used.

Why: the model SDKs are generated code whose type packages import every model of the whole API up front.
`import openai` loads 522 of its modules, 247 of them `openai.types.responses` (the Responses API, which the
gateway never calls) because `openai.lib` imports one function-tool type from that package. The gateway uses the
chat-completion types only. Loaded lazily, `import openai` brings 110 modules and ~10 MB less resident memory, and
every name stays importable as before (`from openai.types import Batch` imports `openai/types/batch.py` then).

Only an `__init__.py` made of nothing but relative re-exports (`from .x import Y as Y`, a docstring,
`from __future__`) is replaced; any other statement and the package loads as written, so a new SDK version that
puts code in an `__init__` cannot be broken by this.
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

Reexports = dict[str, tuple[str | None, str]]  # exported name -> (submodule, name in it); (None, sub) = a submodule


def reexports_of(source: str) -> Reexports | None:
    """What a package `__init__` re-exports, or None when it does anything else."""
    exports: Reexports = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if not (isinstance(node, ast.ImportFrom) and node.level == 1):
            return None
        for alias in node.names:
            if alias.name == "*":
                return None
            exports[alias.asname or alias.name] = (node.module, alias.name)
    return exports


class LazyReexportLoader(importlib.abc.Loader):
    """Executes a re-export-only package as a module whose names load on first access (PEP 562 `__getattr__`)."""

    def __init__(self, exports: Reexports) -> None:
        self.exports = exports

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module object, with __path__ set from the spec: submodules import as usual

    def exec_module(self, module: ModuleType) -> None:
        exports = self.exports
        package = module.__name__

        def __getattr__(name: str) -> Any:
            if name in exports:
                submodule, attribute = exports[name]
                if submodule is None:
                    value = importlib.import_module(f"{package}.{attribute}")
                else:
                    value = getattr(importlib.import_module(f"{package}.{submodule}"), attribute)
            elif name.startswith("__"):
                raise AttributeError(name)
            else:
                try:
                    value = importlib.import_module(f"{package}.{name}")
                except ModuleNotFoundError as missing:
                    if missing.name != f"{package}.{name}":
                        raise
                    raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
            setattr(module, name, value)
            return value

        def __dir__() -> list[str]:
            return sorted(set(module.__dict__) | set(exports))

        module.__getattr__ = __getattr__  # type: ignore[attr-defined]
        module.__dir__ = __dir__  # type: ignore[attr-defined]
        module.__all__ = sorted(exports)  # type: ignore[attr-defined]


class LazyReexportFinder(importlib.abc.MetaPathFinder):
    """Finds the packages at or under the given prefixes and hands the re-export-only ones to the lazy loader."""

    def __init__(self, prefixes: Iterable[str]) -> None:
        self.prefixes = tuple(prefixes)

    def _covers(self, fullname: str) -> bool:
        return any(fullname == prefix or fullname.startswith(prefix + ".") for prefix in self.prefixes)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not self._covers(fullname):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or spec.submodule_search_locations is None:
            return None  # a plain module (or nothing): the usual finders take it
        try:
            exports = reexports_of(Path(spec.origin).read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            return None
        if exports is None:
            return None  # a package that does more than re-export loads as written
        spec.loader = LazyReexportLoader(exports)
        return spec


def load_lazily(prefixes: Iterable[str]) -> bool:
    """Install the finder for packages not imported yet; False when one of them is loaded already (nothing done)."""
    prefixes = tuple(prefixes)
    if any(name in sys.modules for name in prefixes) or any(
        isinstance(finder, LazyReexportFinder) for finder in sys.meta_path
    ):
        return False
    sys.meta_path.insert(0, LazyReexportFinder(prefixes))
    return True
