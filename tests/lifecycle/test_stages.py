"""The stage machine alone: legal moves, reasons, evidence, configuration variants."""

import pytest
from pydantic import ValidationError

from leadflow.errors import InvalidInputError
from leadflow.lifecycle.config import LifecycleConfig
from leadflow.lifecycle.stages import IllegalTransition, StageMachine

EVIDENCE = {"need": "n", "budget": "b", "authority": "a", "timeline": "t"}


def test_default_moves_follow_the_design() -> None:
    machine = StageMachine()
    assert machine.forward == ("lead", "mql", "sal", "sql", "opportunity", "customer")
    assert machine.moves_from("lead") == {"mql": "mql", "disqualified": "disqualify"}
    assert machine.moves_from("mql") == {
        "sal": "accept",
        "nurture": "reject",
        "disqualified": "disqualify",
    }
    assert set(machine.moves_from("sql")) == {"opportunity", "nurture", "disqualified"}
    assert machine.moves_from("opportunity") == {"customer": "won", "lost": "lost"}
    assert machine.moves_from("nurture") == {"mql": "mql", "disqualified": "disqualify"}
    for final in ("customer", "lost", "disqualified"):
        assert machine.moves_from(final) == {}
    assert machine.awaiting_sales == ("mql", "sal")


@pytest.mark.parametrize(
    ("from_stage", "to_stage"),
    [("sal", "mql"), ("lead", "sal"), ("mql", "sql"), ("customer", "lost"), ("lost", "nurture")],
)
def test_backward_and_skipping_moves_are_refused(from_stage: str, to_stage: str) -> None:
    with pytest.raises(IllegalTransition, match=f"cannot move from '{from_stage}'"):
        StageMachine().check(from_stage, to_stage, reason="not_ready", evidence=EVIDENCE)


def test_the_error_names_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition) as error:
        StageMachine().check("mql", "opportunity", amount=10)
    assert "allowed from 'mql': accept (-> sal), reject (-> nurture), disqualify" in str(
        error.value
    )
    with pytest.raises(IllegalTransition, match="'customer' is final"):
        StageMachine().check("customer", "nurture", reason="not_ready")


def test_side_moves_need_a_configured_reason() -> None:
    machine = StageMachine()
    with pytest.raises(InvalidInputError, match="a reason is required; use one of not_ready"):
        machine.check("mql", "nurture")
    with pytest.raises(InvalidInputError, match="'bored' is not a configured reason"):
        machine.check("opportunity", "lost", reason="bored")
    machine.check("mql", "nurture", reason="no_budget_now")
    machine.check("sal", "disqualified", reason="competitor")
    machine.check("opportunity", "lost", reason="price")


def test_sql_needs_the_required_evidence_and_opportunity_an_amount() -> None:
    machine = StageMachine()
    with pytest.raises(InvalidInputError, match="missing authority, timeline"):
        machine.check("sal", "sql", evidence={"need": "pain", "budget": "10k", "timeline": " "})
    machine.check("sal", "sql", evidence=EVIDENCE)
    lenient = StageMachine(LifecycleConfig(required_evidence=["need"]))
    lenient.check("sal", "sql", evidence={"need": "slow month-end close"})
    for amount in (None, 0, -5, float("nan"), float("inf")):
        with pytest.raises(InvalidInputError, match="amount above 0"):
            machine.check("sql", "opportunity", amount=amount)


def test_skipping_sal_renaming_and_adding_a_stage() -> None:
    config = LifecycleConfig(
        stages=["lead", "mql", "sal", "sql", "discovery", "opportunity", "customer"],
        skip=["sal"],
        rename={"mql": "marketing_qualified", "customer": "won_customer"},
    )
    machine = StageMachine(config)
    assert machine.forward == (
        "lead",
        "marketing_qualified",
        "sql",
        "discovery",
        "opportunity",
        "won_customer",
    )
    assert machine.moves_from("marketing_qualified")["sql"] == "qualify"
    assert machine.moves_from("sql")["discovery"] == "advance"
    assert machine.role("marketing_qualified") == "mql"
    assert machine.role("discovery") is None
    assert machine.awaiting_sales == ("marketing_qualified",)
    assert machine.starts_new_cycle("nurture", "marketing_qualified")
    with pytest.raises(IllegalTransition):
        machine.check("sql", "opportunity", amount=5)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"stages": ["lead", "mql", "sql", "opportunity", "customer"]}, "must include sal"),
        (
            {"stages": ["lead", "sal", "mql", "sql", "opportunity", "customer"]},
            "must keep the order",
        ),
        ({"rename": {"discovery": "x"}}, "not a built-in stage"),
        ({"rename": {"sal": "mql"}}, "same name"),
        ({"reasons": {"lost": []}}, "reasons.lost"),
        ({"skip": ["sql"]}, "skip"),
        ({"required_evidence": ["vibes"]}, "required_evidence"),
    ],
)
def test_inconsistent_configuration_is_refused(config: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        LifecycleConfig(**config)
