"""How readable SVG drawings are when shown at a given width: the median text size in pixels.

    .venv/bin/python scripts/legibility.py outputs/control_deps/step.svg ... [--width 900]

The text size of one <text> element is its font-size × width / the SVG's width in points (the
size a reader sees when the drawing is scaled to `width` pixels, as a README or a report shows
it); the median is over every <text> element of the file. Prints one row per file; exit 1 when
a file's median is below --min (default 0: report only).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

_SVG_WIDTH = re.compile(r'<svg\b[^>]*\swidth="([\d.]+)(pt|px)?"')
_VIEWBOX = re.compile(r'<svg\b[^>]*\sviewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')
_TEXT = re.compile(r"<text\b([^>]*)>")
_FONT_SIZE = re.compile(r'\sfont-size="([\d.]+)"')
WIDTH = 900.0
MIN_PX = 6.5  # the median text size a README drawing must reach at WIDTH pixels


@dataclass(frozen=True)
class Legibility:
    """One SVG drawing: its size in points, its text sizes, and the median at `shown` px."""

    width: float
    height: float
    texts: int
    median_font: float
    shown: float

    @property
    def median_px(self) -> float:
        """Median text size in pixels when the drawing is scaled to `shown` pixels wide."""
        return self.median_font * self.shown / self.width if self.width else 0.0


def measure_svg(text: str, shown: float = WIDTH) -> Legibility:
    """The legibility of SVG text written by Graphviz."""
    width = _SVG_WIDTH.search(text)
    box = _VIEWBOX.search(text)
    w = float(width.group(1)) if width else float(box.group(1)) if box else 0.0
    h = float(box.group(2)) if box else 0.0
    sizes = [float(m.group(1)) for attrs in _TEXT.findall(text)
             for m in [_FONT_SIZE.search(attrs)] if m]
    return Legibility(w, h, len(sizes), statistics.median(sizes) if sizes else 0.0, shown)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("svg", nargs="+", type=Path)
    parser.add_argument("--width", type=float, default=WIDTH, help="shown width in pixels")
    parser.add_argument("--min", type=float, default=0.0,
                        help="fail (exit 1) when a median is below this many pixels")
    args = parser.parse_args(argv)
    print(f"{'file':<48} {'width pt':>9} {'height pt':>9} {'texts':>6} "
          f"{'median px @' + format(args.width, 'g'):>15}")
    worst = float("inf")
    for path in args.svg:
        found = measure_svg(path.read_text(encoding="utf-8"), args.width)
        worst = min(worst, found.median_px)
        print(f"{str(path):<48} {found.width:>9.0f} {found.height:>9.0f} {found.texts:>6} "
              f"{found.median_px:>15.2f}")
    return 1 if worst < args.min else 0


if __name__ == "__main__":
    sys.exit(main())
