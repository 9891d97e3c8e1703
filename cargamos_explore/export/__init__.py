"""Shipments and events streamed into a Parquet dataset, month by month; DuckDB over it."""

from __future__ import annotations

from .duck import KPIS_BY_ALCALDIA_SQL, open_dataset
from .exporter import Export, ExportReport

__all__ = ["KPIS_BY_ALCALDIA_SQL", "Export", "ExportReport", "open_dataset"]
