"""`[lifecycle]`, `[routing]` and `[sla]` tables in leadflow.toml."""

from pathlib import Path

import pytest

from leadflow.config import load_settings
from leadflow.errors import ConfigError
from leadflow.sla.clocks import calendar_for

EXAMPLE = """
time_zone = "Europe/London"

[lifecycle]
stages = ["lead", "mql", "sal", "discovery", "sql", "opportunity", "customer"]
skip = ["sal"]
required_evidence = ["need", "authority"]
currency = "EUR"
[lifecycle.rename]
customer = "won"
[lifecycle.reasons]
lost = ["price", "went_dark"]

[routing]
default_team = "emea"
territory_fields = ["country", "region", "employees"]
[routing.teams.emea]
territory = { region = ["EMEA"] }
time_zone = "Europe/Berlin"
holiday_country = "DE"
holiday_subdivision = "BY"
manager = "head.emea@example.com"
[routing.teams.na]
territory = { country = ["US", "CA"] }
time_zone = "America/New_York"
holiday_country = "US"
working_hours = "08:00-18:00"

[sla]
working_days = ["mon", "tue", "wed", "thu", "fri"]
[sla.policies.mql]
within = "2 business hours"
escalate = "next_rep"
max_reassignments = 2
[sla.policies.discovery]
within = "3 business days"
escalate = "manager"
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEADFLOW_CONFIG", raising=False)


def test_the_documented_example_loads() -> None:
    Path("leadflow.toml").write_text(EXAMPLE)
    settings = load_settings()
    assert settings.lifecycle.skip == ["sal"] and settings.lifecycle.rename == {"customer": "won"}
    assert settings.lifecycle.reasons["lost"] == ["price", "went_dark"]
    assert settings.lifecycle.reasons["nurture"][0] == "not_ready"
    assert list(settings.routing.teams) == ["emea", "na"]
    assert settings.sla.policies["mql"].max_reassignments == 2
    na = calendar_for(settings, "na")
    assert (na.time_zone, na.opens.hour, na.closes.hour, na.holiday_country) == (
        "America/New_York",
        8,
        18,
        "US",
    )
    default = calendar_for(settings, None)
    assert (default.time_zone, default.holiday_country) == ("Europe/London", None)


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ('[lifecycle]\nstages = ["lead", "customer"]\n', "lifecycle"),
        ('[sla.policies.mql]\nwithin = "soon"\n', "sla.policies.mql.within"),
        ('[sla]\ntime_zone = "Mars/Base"\n', "sla.time_zone"),
        ('[sla]\nworking_hours = "17:00-09:00"\n', "sla.working_hours"),
        ('[routing]\ndefault_team = "apac"\n[routing.teams.emea]\n', "routing"),
        ("[routing.teams.emea]\nterritorry = {}\n", "routing.teams.emea.territorry"),
    ],
)
def test_mistakes_in_the_file_are_named(toml: str, field: str) -> None:
    Path("leadflow.toml").write_text(toml)
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_settings()


def test_the_example_in_the_docs_loads() -> None:
    docs = Path(__file__).parents[2] / "docs" / "lifecycle.md"
    example = docs.read_text().split("```toml\n", 1)[1].split("```", 1)[0]
    Path("leadflow.toml").write_text(example)
    settings = load_settings()
    assert settings.lifecycle.rename == {"customer": "won"}
    assert set(settings.sla.policies) == {"mql", "sal", "discovery"}
    assert calendar_for(settings, None).holiday_subdivision == "ENG"
