"""docs/partners.md is what ``tanbi partner guide`` writes from the methodologies: it cannot drift."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from methodologies._sdk import FAMILIES
from service.cli import main
from service.methodology.partner_guide import render
from service.methodology.registry import load_registry

GUIDE = Path(__file__).parents[2] / "docs" / "partners.md"


def test_docs_partners_is_the_generated_guide() -> None:
    printed = CliRunner().invoke(main, ["partner", "guide"])
    assert printed.exit_code == 0, printed.output
    assert GUIDE.read_text(encoding="utf-8") == printed.output, "run: tanbi partner guide > docs/partners.md"


def test_the_guide_covers_every_methodology_and_family() -> None:
    registry = load_registry()
    text = render(registry)
    for family in FAMILIES:
        assert f"## {family.zh} {family.en}" in text
    for methodology_id in registry.ids():
        methodology = registry.current(methodology_id)
        section = text.split(f"### `{methodology_id}`", 1)[1].split("\n### ", 1)[0]
        assert '"evidence": {' in section
        assert "Staleness window: " in section
        assert "Staleness window: none" not in section, f"{methodology_id} has no staleness window"
        assert "| `occurred_at_mismatch` |" in section
        assert "| `stale` |" in section
        for code in getattr(methodology, "reasons", {}):
            if code != "counted_elsewhere":
                assert f"| `{code}` |" in section, (methodology_id, code)
