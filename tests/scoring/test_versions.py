"""Model versions in the store: recorded once, one active, changed content needs a new version."""

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInputError, NotFoundError
from leadflow.scoring import versions
from leadflow.scoring.model_file import parse_model, starter_model_text

STARTER = starter_model_text()


def _model(version: str, text: str = STARTER):
    text = text.replace('version: "1"', f'version: "{version}"')
    return parse_model(text), text


def test_record_and_activate(session: Session) -> None:
    first, first_text = _model("1")
    second, second_text = _model("2")
    versions.record_version(session=session, model=first, source=first_text)
    versions.record_version(session=session, model=second, source=second_text)
    versions.activate(session=session, version="1")
    versions.activate(session=session, version="2")
    session.commit()
    active = versions.active_version(session=session)
    assert active is not None and active.version == "2"
    assert [v.version for v in versions.list_versions(session=session) if v.is_active] == ["2"]
    assert versions.model_of(session=session, record=active) == second


def test_same_version_with_other_rules_is_refused(session: Session) -> None:
    model, text = _model("7")
    versions.record_version(session=session, model=model, source=text)
    assert versions.record_version(session=session, model=model, source=text).version == "7"
    changed, changed_text = _model("7", STARTER.replace("points: 25", "points: 26", 1))
    with pytest.raises(InvalidInputError, match="give the changed file a new `version`"):
        versions.record_version(session=session, model=changed, source=changed_text)


def test_unknown_version_lists_the_known_ones(session: Session) -> None:
    model, text = _model("1")
    versions.record_version(session=session, model=model, source=text)
    with pytest.raises(NotFoundError, match=r"no scoring model version '9' \(recorded: 1\)"):
        versions.get_version(session=session, version="9")


def test_model_files_are_checked_against_the_store(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "scoring.yaml"
    path.write_text(STARTER.replace("when: seniority in", "when: seniorty in", 1))
    with pytest.raises(Exception, match=r"scoring.yaml:\d+:\d+: .*seniorty"):
        versions.read_model_file(session=session, path=path)
    with pytest.raises(InvalidInputError, match="cannot read scoring model"):
        versions.read_model_file(session=session, path=tmp_path / "missing.yaml")
