"""Errors in a scoring model or a condition, located by file, line and column."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from leadflow.errors import LeadflowError


class ScoringModelError(LeadflowError):
    """A scoring model or condition is invalid; the message names file, line, column and why."""

    def __init__(
        self, reason: str, *, file: str, line: int, column: int, excerpt: str | None = None
    ) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        self.column = column
        self.excerpt = excerpt
        location = f"{file}:{line}:{column}: {reason}"
        if excerpt is not None:
            location += f"\n    {excerpt}\n    {' ' * (column - 1)}^"
        super().__init__(location)


@dataclass(frozen=True)
class Source:
    """Where a piece of text lives: turns offsets in it into file, line and column."""

    file: str
    text: str
    # Offset in the piece -> index in `text`, one entry past the piece's end; None when the
    # piece is the whole text.
    index_of: Sequence[int] | None = None
    _line_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [0] + [i + 1 for i, char in enumerate(self.text) if char == "\n"]
        object.__setattr__(self, "_line_starts", tuple(starts))

    def piece(self, index_of: Sequence[int]) -> Source:
        """The same file, for a piece of it whose offsets map to file indexes by `index_of`."""
        return Source(self.file, self.text, tuple(index_of))

    def error(self, reason: str, offset: int = 0) -> ScoringModelError:
        """An error at `offset` in the piece (past its end means at its end)."""
        index = offset
        if self.index_of is not None:
            index = self.index_of[min(offset, len(self.index_of) - 1)]
        return self.error_at_index(reason, min(index, len(self.text)))

    def error_at_index(self, reason: str, index: int) -> ScoringModelError:
        """An error at character `index` of the whole text."""
        line = bisect.bisect_right(self._line_starts, index) - 1
        start = self._line_starts[line]
        end = self.text.find("\n", start)
        excerpt = self.text[start : end if end >= 0 else len(self.text)]
        # Tabs would shift the caret; the excerpt is for people, so show them as spaces.
        return ScoringModelError(
            reason,
            file=self.file,
            line=line + 1,
            column=index - start + 1,
            excerpt=excerpt.replace("\t", " ") if excerpt.strip() else None,
        )
