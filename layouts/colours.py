"""The product's one colour system: every figure takes its colours from here.

Why these colours (docs/charts.md says the same for readers and designers):

- CATEGORICAL keeps Okabe-Ito's blue, green, pink and vermilion and replaces its orange,
  sky and yellow (2.3, 2.3 and 1.3 to 1 on white) by violet, brown and red: every
  series colour has 3:1 at least against the white chart (WCAG 1.4.11, a bar or line
  must be seen), and any two stay as far apart as Okabe-Ito's closest pair under each
  common colour-vision deficiency (protanopia, deuteranopia, tritanopia, simulated;
  tests/test_a11y.py measures both). Series take them in order; the eighth (black) is
  kept for totals.
- SEQUENTIAL runs from light (few) to dark (many) in one hue, so "more" reads as "darker"
  and the order survives grey-scale printing and any colour-vision deficiency: lightness
  alone carries it. Its lightest step is a visible blue, never white, so a low value is
  never mistaken for an empty cell.
- NO_DATA is a neutral grey with no hue, used only for "no published number" (withheld
  or not in the data), always with a legend or annotation saying so, and never a step of
  any scale, so "withheld" and "low" cannot be confused.
- HIGHLIGHT (vermilion) marks the reader's own selection (a corridor, a bar); CONTEXT is
  the muted blue of everything else drawn beside it.
- PARTIAL_OPACITY fades a period that is still under way (with a hatch on bars).
"""

from __future__ import annotations

# From Okabe & Ito (2008), "Color Universal Design": blue, green, pink, vermilion.
BLUE = "#0072B2"
GREEN = "#009E73"
PINK = "#CC79A7"
VERMILION = "#D55E00"
# In place of Okabe-Ito's light orange, sky and yellow, which a bar on white hides.
VIOLET = "#7F0DF2"
BROWN = "#6F2A2A"
RED = "#B31919"
BLACK = "#000000"
CATEGORICAL = (BLUE, VIOLET, GREEN, PINK, BROWN, VERMILION, RED, BLACK)

# ColorBrewer "Blues" (Brewer, colorbrewer2.org), light to dark, its near-white first step
# dropped so the lowest value still shows colour.
SEQUENTIAL_STEPS = ("#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
SEQUENTIAL = [
    [round(i / (len(SEQUENTIAL_STEPS) - 1), 4), colour] for i, colour in enumerate(SEQUENTIAL_STEPS)
]

NO_DATA = "#bdbdbd"  # withheld or absent: a grey of no hue, never on the scale
NO_DATA_PATTERN = "x"  # the hatch that marks it where a pattern can be drawn
HIGHLIGHT = VERMILION
CONTEXT = BLUE
NEUTRAL = "#595959"  # markers and labels that are not data (places, nodes)
LAND = "#f2f2f2"  # basemap land outside the data
COASTLINE = "#9e9e9e"
BORDER = "#ffffff"  # borders between coloured areas

# The demonstration-data stamp on images (as the page's banner: assets/02_dashboard.css).
NOTICE_TEXT = "#4d3a00"
NOTICE_BACKGROUND = "#fff3cd"
NOTICE_BORDER = "#b58100"
PAPER = "#ffffff"  # an image's background

GRID = "#dddddd"
GRID_LIGHT = "#eeeeee"
TEXT = "#1d2733"
TRANSPARENT = "rgba(0,0,0,0)"

PARTIAL_OPACITY = 0.45
PARTIAL_PATTERN = "/"


def rgba(colour: str, alpha: float) -> str:
    """A "#rrggbb" colour with transparency, for overlapping marks (flows, links)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def series(i: int) -> str:
    """The i-th categorical colour; after the seventh, the order starts again (black is
    for totals)."""
    return CATEGORICAL[i % (len(CATEGORICAL) - 1)]


# Bars of the eighth series on wear a pattern over their colour, so a legend of more than
# seven series (nine nationalities) never shows two entries alike. Not "/" (PARTIAL_PATTERN
# and bounds use it).
SERIES_PATTERNS = (".", "x", "+")


def series_pattern(i: int) -> str:
    """The pattern of the i-th series' bars: none for the first seven."""
    cycle = i // (len(CATEGORICAL) - 1)
    return "" if cycle == 0 else SERIES_PATTERNS[(cycle - 1) % len(SERIES_PATTERNS)]


def series_marker(i: int) -> dict:
    """A bar series' marker: its colour, and its pattern after the seventh."""
    shape = series_pattern(i)
    return {"color": series(i), **({"pattern": {"shape": shape}} if shape else {})}
