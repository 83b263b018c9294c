"""Load a methodology package's README.md (shipped as package data)."""

from __future__ import annotations

from importlib import resources


def readme_of(package: str) -> str:
    return resources.files(package).joinpath("README.md").read_text(encoding="utf-8")
