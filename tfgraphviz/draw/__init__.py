"""Draw: DOT text, styles, legend, and Graphviz layouts (SVG, PNG, PDF)."""
