"""The real methodology registry for building residents' histories through the credit path."""

from __future__ import annotations

import pytest

from service.methodology.registry import Registry, load_registry


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()
