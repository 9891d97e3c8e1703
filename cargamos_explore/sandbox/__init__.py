"""A local Cargamos API that follows the contract, for offline work and tests.

It shares only ``cargamos_explore.contract`` with the client, never client code.
"""

from __future__ import annotations

from .accounts import DEMO_ORGANISATIONS, Organisation
from .faults import Faults
from .server import Sandbox, serve

__all__ = ["DEMO_ORGANISATIONS", "Faults", "Organisation", "Sandbox", "serve"]
