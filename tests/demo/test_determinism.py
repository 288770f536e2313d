"""Same seed, same world: whatever the chunk size, in any process; another seed, another."""

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from leadflow.demo.generate import make_world
from leadflow.demo.world import WorldSpec

SPEC = WorldSpec(leads=300, months=6, seed=7)


def test_the_same_seed_gives_the_same_world(rows_of_world: Callable) -> None:
    first = rows_of_world(make_world(SPEC), chunk_leads=100)
    second = rows_of_world(make_world(SPEC), chunk_leads=100)
    assert first == second
    assert len(first["activities"]) > 300


def test_a_different_seed_gives_a_different_world(rows_of_world: Callable) -> None:
    ours = rows_of_world(make_world(SPEC), chunk_leads=100)
    other = rows_of_world(make_world(WorldSpec(leads=300, months=6, seed=8)), chunk_leads=100)
    for table in ("accounts", "leads", "activities", "demo_truth", "users", "campaign_spend"):
        assert ours[table] != other[table], table


def test_chunk_size_does_not_change_the_world(rows_of_world: Callable) -> None:
    world = make_world(SPEC)
    assert rows_of_world(world, chunk_leads=1) == rows_of_world(world, chunk_leads=7)
    assert rows_of_world(world, chunk_leads=7) == rows_of_world(world, chunk_leads=5_000)


def test_a_bigger_world_only_adds_leads(rows_of_world: Callable) -> None:
    # Lead k comes from its own seed; below 120 leads both worlds have the same 60 companies.
    small = rows_of_world(make_world(WorldSpec(leads=80, seed=3)), chunk_leads=50)
    large = rows_of_world(make_world(WorldSpec(leads=110, seed=3)), chunk_leads=50)
    assert small["accounts"] == large["accounts"]
    for table in ("leads", "activities", "demo_truth"):
        assert set(small[table]) < set(large[table]), table


def test_another_process_with_another_hash_seed_makes_the_same_bytes(
    rows_of_world: Callable, world_digest: Callable
) -> None:
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from conftest import digest, generated_rows\n"
        "from leadflow.demo.generate import make_world\n"
        "from leadflow.demo.world import WorldSpec\n"
        "spec = WorldSpec(leads=300, months=6, seed=7)\n"
        "print(digest(generated_rows(make_world(spec), chunk_leads=64)))\n"
    )
    here = str(Path(__file__).parent)
    result = subprocess.run(
        [sys.executable, "-c", script, here],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert result.stdout.strip() == world_digest(rows_of_world(make_world(SPEC), chunk_leads=100))
