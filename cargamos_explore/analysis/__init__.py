"""What the frames say: KPIs over shipments, computed in memory, with no I/O."""

from __future__ import annotations

from .kpis import KPIReport, kpis

__all__ = ["KPIReport", "kpis"]
