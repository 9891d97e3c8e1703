"""Reads and sends over a transport: list reads as objects, one-call reads, orders."""

from __future__ import annotations

from .search import ShipmentSearch
from .window import When

__all__ = ["ShipmentSearch", "When"]
