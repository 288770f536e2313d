"""Scoring: the active model file (read-only, highlighted by Pygments), every version, how
two versions' scores differ (scoring.diff) and the calibration report."""

from __future__ import annotations

import difflib
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import DiffLexer, YamlLexer

from leadflow.api.deps import SessionDep
from leadflow.api.scoring import VersionPath
from leadflow.errors import LeadflowError
from leadflow.scoring import versions
from leadflow.scoring.diff import ScoreDiff, diff_versions
from leadflow.users.access import Access
from leadflow.web.nav import page_access
from leadflow.web.report_data import chosen_period, page_report
from leadflow.web.templating import render

router = APIRouter()
Viewer = Annotated[Access, page_access("/scoring")]
# Inline styles, not a stylesheet of classes: the page needs no extra CSS file for them.
_FORMATTER = HtmlFormatter(
    noclasses=True, cssclass="highlight", style="friendly", nobackground=True
)


def highlighted_yaml(text: str) -> Markup:
    """A model file as HTML, highlighted by Pygments' YAML lexer (which escapes it)."""
    # Pygments escapes the text it highlights: its HTML is safe to mark as such.
    return Markup(highlight(text, YamlLexer(), _FORMATTER))


def highlighted_diff(old: str, new: str, old_name: str, new_name: str) -> Markup:
    """The unified diff of two model files, highlighted by Pygments' diff lexer."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), old_name, new_name
    )
    return Markup(highlight("".join(lines) or "(same text)\n", DiffLexer(), _FORMATTER))


@router.get("/scoring")
def scoring(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    old: Annotated[VersionPath | None, Query()] = None,
    new: Annotated[VersionPath | None, Query()] = None,
) -> Response:
    """The model in force, the versions, a comparison of two, and calibration."""
    recorded = versions.list_versions(session=session)
    active = next((v for v in recorded if v.is_active), None)
    comparison: ScoreDiff | None = None
    text_diff: Markup | None = None
    diff_error: str | None = None
    if old and new:
        try:
            comparison = diff_versions(session=session, old=old, new=new)
            before = versions.get_version(session=session, version=old)
            after = versions.get_version(session=session, version=new)
            text_diff = highlighted_diff(before.source, after.source, old, new)
        except LeadflowError as exc:
            diff_error = str(exc)
    period = chosen_period(request)
    return render(
        request,
        "scoring.html.j2",
        status=422 if diff_error else 200,
        title="Scoring",
        active=active,
        model_html=highlighted_yaml(active.source) if active else None,
        versions=recorded,
        old=old or (recorded[1].version if len(recorded) > 1 else ""),
        new=new or (recorded[0].version if recorded else ""),
        comparison=comparison,
        text_diff=text_diff,
        diff_error=diff_error,
        period=period,
        calibration=page_report(request, "calibration", period.parameters),
    )
