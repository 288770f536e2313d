"""Stage moves from the lead page and the rep's queue, through the lifecycle services:
refused moves answer the API's status with the moves that are allowed, and change nothing."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.conftest import WebWorld, csrf_of

from leadflow.leads.models import Lead
from leadflow.lifecycle.history import stage_history
from leadflow.lifecycle.service import mark_mql
from leadflow.sla.clocks import start_clock
from leadflow.storage.database import transaction


def _mql(app: FastAPI, lead_id: int) -> None:
    """Make the lead an MQL with its SLA clock running, owner unchanged (no routing)."""
    with transaction(app.state.engine) as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        change = mark_mql(session=session, lead=lead, settings=app.state.settings)
        start_clock(session=session, lead=lead, at=change.changed_at, settings=app.state.settings)


def _stage(app: FastAPI, lead_id: int) -> str:
    with transaction(app.state.engine) as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return lead.stage


def _move(client: TestClient, lead_id: int, verb: str, **form: str) -> httpx.Response:
    token = csrf_of(client.get(f"/leads/{lead_id}").text)
    return client.post(
        f"/leads/{lead_id}/{verb}", data={**form, "csrf_token": token}, follow_redirects=False
    )


def test_an_illegal_move_shows_the_allowed_ones(
    web_app: FastAPI, client_for: Callable[[str], TestClient], web_world: WebWorld
) -> None:
    rep = client_for("sales")
    refused = _move(rep, web_world.rep_lead, "won")
    assert refused.status_code == 409
    assert "cannot move from &#39;lead&#39; to &#39;customer&#39;" in refused.text
    # The page offers what is allowed from 'lead': hand to sales and disqualify.
    assert f'action="/leads/{web_world.rep_lead}/mql"' in refused.text
    assert f'action="/leads/{web_world.rep_lead}/disqualify"' in refused.text
    assert f'action="/leads/{web_world.rep_lead}/won"' not in refused.text
    assert _stage(web_app, web_world.rep_lead) == "lead"
    assert _move(rep, web_world.rep_lead, "fly").status_code == 404


def test_moves_without_a_csrf_token_or_on_another_reps_lead_are_refused(
    web_app: FastAPI, client_for: Callable[[str], TestClient], web_world: WebWorld
) -> None:
    _mql(web_app, web_world.rep_lead)
    _mql(web_app, web_world.other_lead)
    rep = client_for("sales")
    no_token = rep.post(f"/leads/{web_world.rep_lead}/accept", follow_redirects=False)
    assert no_token.status_code == 403
    assert _move(rep, web_world.other_lead, "accept").status_code == 403
    # Marketing may see the lead but not accept it: the lifecycle's role rule, as a 403 page.
    marketing = _move(client_for("marketing"), web_world.rep_lead, "accept")
    assert marketing.status_code == 403 and "may not accept" in marketing.text
    assert _stage(web_app, web_world.rep_lead) == _stage(web_app, web_world.other_lead) == "mql"


def test_a_rep_accepts_from_the_queue_and_works_the_lead_to_won(
    web_app: FastAPI, client_for: Callable[[str], TestClient], web_world: WebWorld
) -> None:
    _mql(web_app, web_world.rep_lead)
    rep = client_for("sales")
    queue = rep.get("/queue").text
    assert f'id="queue-lead-{web_world.rep_lead}"' in queue
    assert 'class="countdown' in queue and "data-seconds=" in queue
    accepted = rep.post(
        f"/leads/{web_world.rep_lead}/accept",
        data={"sent_from": "queue"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(queue)},
    )
    assert accepted.status_code == 200
    assert 'role="status"' in accepted.text and "<html" not in accepted.text
    assert f'id="queue-lead-{web_world.rep_lead}"' not in rep.get("/queue").text

    rejected = _move(rep, web_world.rep_lead, "reject", reason="because")
    assert rejected.status_code == 422 and "not a configured reason" in rejected.text
    missing = _move(rep, web_world.rep_lead, "qualify", need="Slow reports", budget="50k")
    assert missing.status_code == 422 and "missing authority, timeline" in missing.text
    assert _stage(web_app, web_world.rep_lead) == "sal"
    evidence = {"need": "Slow reports", "budget": "50k", "authority": "CFO", "timeline": "Q3"}
    assert _move(rep, web_world.rep_lead, "qualify", **evidence).status_code == 303
    assert _move(rep, web_world.rep_lead, "opportunity", amount="lots").status_code == 422
    assert _move(rep, web_world.rep_lead, "opportunity", amount="12000").status_code == 303
    assert _move(rep, web_world.rep_lead, "won").status_code == 303

    page = rep.get(f"/leads/{web_world.rep_lead}").text
    assert "No move is open to you" in page
    assert "CFO" in page  # the BANT evidence in the stage history
    with transaction(web_app.state.engine) as session:
        lead = session.get(Lead, web_world.rep_lead)
        assert lead is not None
        moves = [(c.from_stage, c.to_stage) for c in stage_history(session=session, lead=lead)]
    assert moves == [
        ("lead", "mql"),
        ("mql", "sal"),
        ("sal", "sql"),
        ("sql", "opportunity"),
        ("opportunity", "customer"),
    ]
