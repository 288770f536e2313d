"""A big world streams: memory stays flat while its leads are generated and loaded.

Each run happens in a fresh process that samples its own resident memory after every chunk;
a world held in memory would grow by hundreds of megabytes over these runs.
"""

import json
import subprocess
import sys

import pytest

SCRIPT = """
import json, sys
from leadflow.demo.generate import iter_chunks, make_world
from leadflow.demo.load import load_world
from leadflow.demo.world import WorldSpec
from leadflow.storage.database import open_store

def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6

mode, leads, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
spec = WorldSpec(leads=leads, seed=1)
samples = []
if mode == "generate":
    for _ in iter_chunks(make_world(spec), chunk_leads=chunk):
        samples.append(resident_mb())
else:
    engine = open_store(sys.argv[4])
    sample = lambda *_: samples.append(resident_mb())
    load_world(engine, spec, chunk_leads=chunk, on_progress=sample)
print(json.dumps(samples))
"""


def _samples(*args: str) -> list[float]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


@pytest.mark.slow
def test_generating_a_big_world_keeps_memory_flat() -> None:
    samples = _samples("generate", "20000", "500")
    assert len(samples) == 40
    # After a few chunks everything is warm; 35 more chunks (~17,500 leads, ~470,000
    # activities) may not add more than a few megabytes.
    assert max(samples[5:]) - samples[4] < 12, samples


@pytest.mark.slow
def test_loading_a_big_world_keeps_memory_flat(sqlite_url: str) -> None:
    samples = _samples("load", "6000", "300", sqlite_url)
    assert len(samples) == 20
    assert max(samples[5:]) - samples[4] < 12, samples
