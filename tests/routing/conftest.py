"""The lifecycle tests' small world (users, accounts, leads, a catch-all webhook), shared."""

import importlib.util
import sys
from pathlib import Path

_path = Path(__file__).parents[1] / "lifecycle" / "conftest.py"
_spec = importlib.util.spec_from_file_location("lifecycle_world", _path)
assert _spec is not None and _spec.loader is not None
_world = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _world
_spec.loader.exec_module(_world)

T0 = _world.T0
World = _world.World
world = _world.world
settings = _world.settings
settings_with = _world.settings_with
