"""What the demo seeding tells the newcomer waiting for the first ``./scripts/serve``: each step as it ends,
and the season's crediting as a count (a bar redrawn in place on a terminal, a line per batch in a log)."""

from __future__ import annotations

import sys
from typing import TextIO

BAR_WIDTH = 30


class Progress:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.on_terminal = self.stream.isatty()
        self._drawing = False  # a bar is on the terminal's current line

    def step(self, text: str) -> None:
        """A line saying what was done."""
        self._end_bar()
        print(f"demo: {text}", file=self.stream, flush=True)

    def count(self, done: int, total: int, what: str) -> None:
        """``done`` of ``total`` (``what`` says of what): a bar on a terminal, else a counted line."""
        counted = f"{done:,}/{total:,} {what}"
        if not self.on_terminal:
            print(f"demo: {counted}", file=self.stream, flush=True)
            return
        filled = BAR_WIDTH * done // max(total, 1)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        print(f"\rdemo: [{bar}] {counted}", end="", file=self.stream, flush=True)
        self._drawing = True
        if done >= total:
            self._end_bar()

    def _end_bar(self) -> None:
        if self._drawing:
            print(file=self.stream, flush=True)
            self._drawing = False
