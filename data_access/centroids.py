"""Approximate country centroids (latitude, longitude) for the corridor flow map.

One point per country in taxonomy.COUNTRIES, near the centre of its population rather
than its area where the two differ much (so arcs end where most workers come from or
go to). Accurate to a degree or so: enough for a map of arcs, not for measurement.
"""

from __future__ import annotations

CENTROIDS: dict[str, tuple[float, float]] = {
    "TH": (15.0, 100.9),
    "MY": (3.5, 102.0),
    "MM": (19.8, 96.1),
    "KH": (12.5, 104.9),
    "LA": (18.6, 103.0),
    "VN": (16.0, 106.5),
    "BD": (23.8, 90.3),
    "NP": (28.1, 84.1),
    "IN": (22.6, 79.0),
    "ID": (-3.0, 113.5),
    "KW": (29.3, 47.6),
    "SA": (24.2, 45.1),
    "AE": (24.3, 54.4),
    "QA": (25.3, 51.2),
    "GR": (39.1, 22.0),
    "HR": (45.2, 15.8),
    "BG": (42.7, 25.3),
    "GB": (53.0, -1.5),
}
