"""The examples in the docstrings run: every module of the package, as documentation that cannot rot."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import gongbao

MODULES = sorted(m.name for m in pkgutil.walk_packages(gongbao.__path__, "gongbao.") if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed (run: python -m doctest -v)"


def test_the_walk_finds_the_examples() -> None:
    """Guards the test above against passing on nothing (a package walk that finds no modules)."""
    finder = doctest.DocTestFinder()
    counts = {name: sum(len(t.examples) for t in finder.find(importlib.import_module(name))) for name in MODULES}
    assert len(MODULES) >= 40 and counts["gongbao.export"] >= 3 and counts["gongbao.normalize"] >= 5
