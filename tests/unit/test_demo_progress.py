"""The demo seeding's progress: counted lines in a log, one bar redrawn in place on a terminal."""

from __future__ import annotations

import io

from service.demo_city.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_counted_line_per_step() -> None:
    log = io.StringIO()
    progress = Progress(log)
    progress.step("2,000 residents")
    progress.count(500, 1200, "events credited")
    progress.count(1200, 1200, "events credited")
    assert log.getvalue().splitlines() == [
        "demo: 2,000 residents",
        "demo: 500/1,200 events credited",
        "demo: 1,200/1,200 events credited",
    ]


def test_a_terminal_gets_one_bar_redrawn_then_ended() -> None:
    terminal = Terminal()
    progress = Progress(terminal)
    progress.count(300, 1200, "events credited")
    progress.count(1200, 1200, "events credited")
    progress.step("a merchant")
    drawn = terminal.getvalue()
    assert drawn.count("\r") == 2  # the same line, drawn twice
    first, last = drawn.split("\r")[1:]
    assert first == "demo: [#######-----------------------] 300/1,200 events credited"
    assert last == "demo: [##############################] 1,200/1,200 events credited\ndemo: a merchant\n"
