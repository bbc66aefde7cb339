"""Rich consoles for the CLI: wrapped to the terminal's width on a terminal, never wrapped when
piped or redirected (rich would cut paths and quotes at 80 columns)."""

from __future__ import annotations

from rich.console import Console

# Wide enough that tables lay out at their natural width; text is soft-wrapped (not cut).
_PIPED_WIDTH = 10_000


def _console(*, stderr: bool) -> Console:
    console = Console(stderr=stderr)
    if not console.is_terminal:
        console.soft_wrap = True
        console.width = _PIPED_WIDTH
    return console


def stdout_console() -> Console:
    return _console(stderr=False)


def stderr_console() -> Console:
    return _console(stderr=True)
