"""A map of deliveries drawn offline: a scatter of coordinates, no tiles, no network.

Longitude and latitude are plotted with an aspect of 1 / cos(latitude), so that a kilometre
east is as long on screen as a kilometre north at Mexico City's latitude; each alcaldía is
named at the median position of its shipments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd
from matplotlib import patheffects

from . import anomalies, drawing

if TYPE_CHECKING:
    from matplotlib.axes import Axes

NO_COORDINATES: Final = "no coordinates (lat, lng) in this frame"
HALO: Final = [patheffects.withStroke(linewidth=3, foreground="white")]


def deliveries(shipments: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Delivered shipments, on time and late, with the alcaldías named."""
    ax = drawing.axes(ax, (7.5, 7.5))
    points = located(shipments)
    done = points[points["on_time"].notna()]
    drawing.label(ax, f"Deliveries, on time and late ({drawing.count(len(done))} delivered)",
                  "longitude", "latitude")
    if not {"lat", "lng"} <= set(shipments.columns):
        return drawing.note(ax, NO_COORDINATES)
    if done.empty:
        return drawing.note(ax, "no delivered shipments in this window" if len(shipments)
                            else drawing.NO_SHIPMENTS)
    _scatter(ax, done)
    _name_alcaldias(ax, points)
    ax.set_aspect(1 / np.cos(np.radians(float(points["lat"].median()))))
    ax.tick_params(labelsize=8)
    ax.margins(0.08)  # room for the names of the outermost alcaldías
    return ax


def located(shipments: pd.DataFrame) -> pd.DataFrame:
    """Shipments with both coordinates: ``lat``, ``lng``, ``alcaldia`` and ``on_time``
    (True or False once delivered, missing before)."""
    if not {"lat", "lng"} <= set(shipments.columns):
        return pd.DataFrame({"lat": [], "lng": [], "alcaldia": [], "on_time": []})
    delivered = (shipments["state"] == "DELIVERED").fillna(False).astype(bool)
    on_time = (shipments["delivered_at"] <= shipments["expected_delivery_date"])
    frame = pd.DataFrame({
        "lat": shipments["lat"].astype("Float64").astype(float),
        "lng": shipments["lng"].astype("Float64").astype(float),
        "alcaldia": anomalies.place(shipments["alcaldia"]),
        "on_time": on_time.astype("boolean").where(delivered).astype(object),
    })
    return frame.dropna(subset=["lat", "lng"])


def _scatter(ax: Axes, done: pd.DataFrame) -> None:
    on_time = done["on_time"].astype(bool)
    for chosen, colour, name, size in ((on_time, drawing.ON_TIME, "on time", 7),
                                       (~on_time, drawing.LATE, "late", 10)):
        # Late deliveries are drawn last and a little larger: they are what the map is for.
        ax.scatter(done.loc[chosen, "lng"], done.loc[chosen, "lat"], s=size, color=colour,
                   alpha=0.6, linewidths=0,
                   label=f"{name} ({drawing.count(chosen.sum())})")
    ax.legend(loc="lower left", markerscale=2.5, fontsize=9, framealpha=0.9)


def _name_alcaldias(ax: Axes, points: pd.DataFrame) -> None:
    centres = points.groupby("alcaldia")[["lat", "lng"]].median()
    for name, row in centres.iterrows():
        ax.text(row["lng"], row["lat"], str(name), ha="center", va="center", fontsize=8,
                fontweight="bold", color="#1d3557", path_effects=HALO)
