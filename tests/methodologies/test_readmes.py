"""Every methodology's README documents the parameters of every code version exactly as the code declares them
(name, default, unit, source, year), so what a city reads is what is computed."""

from __future__ import annotations

import pytest

from service.methodology.registry import load_registry

REGISTRY = load_registry()
VERSIONS = [(mid, version) for mid in REGISTRY.ids() for version in REGISTRY.known_versions(mid)]


@pytest.mark.parametrize(("methodology_id", "version"), VERSIONS)
def test_readme_lists_every_parameter_of_every_version(methodology_id: str, version: str) -> None:
    methodology = REGISTRY.version(methodology_id, version)
    rows = {line.strip() for line in methodology.readme.splitlines() if line.startswith("| `")}
    for p in methodology.Params.describe():
        row = f"| `{p['name']}` | {p['default']} | {p['unit']} | {p['source']} | {p['year']} |"
        assert row in rows, f"{methodology_id} {version}: README lacks {row}"


@pytest.mark.parametrize("methodology_id", REGISTRY.ids())
def test_readme_names_the_current_version_and_family(methodology_id: str) -> None:
    methodology = REGISTRY.current(methodology_id)
    first = methodology.readme.splitlines()[0]
    assert f"`{methodology_id}`" in first
    assert f"code version {methodology.version}" in first
    assert f"`{methodology.family}`" in methodology.readme
