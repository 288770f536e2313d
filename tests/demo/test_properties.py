"""Laws that hold for every world, whatever its seed, length and end date."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadflow.demo.generate import iter_leads, make_world
from leadflow.demo.world import TIRE_KICKERS, WorldSpec

specs = st.builds(
    WorldSpec,
    leads=st.integers(1, 40),
    months=st.integers(1, 36),
    seed=st.integers(0, 2**63 - 1),
    end=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs)
def test_every_world_keeps_its_promises(spec: WorldSpec) -> None:
    world = make_world(spec)
    leads = list(iter_leads(world))
    assert len({lead.row["email"] for lead in leads}) == spec.leads
    event_ids = [a["event_id"] for lead in leads for a in lead.activities]
    assert len(set(event_ids)) == len(event_ids)
    for lead in leads:
        times = [lead.row["created_at"], *(a["occurred_at"] for a in lead.activities)]
        assert all(spec.starts_at <= t < spec.ends_at for t in times)
        assert lead.activities[0]["source"] == lead.row["source"]
        truth = lead.truth
        assert truth["would_win"] <= truth["would_open_opportunity"] <= truth["would_qualify"]
        assert not (truth["profile"] in TIRE_KICKERS and truth["would_accept"])
    assert all(
        spec.start <= row["period_start"] <= row["period_end"] <= spec.end for row in world.spend
    )
