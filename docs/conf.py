"""Sphinx settings of tfgraphviz's own documentation (sphinx-build -W -b html docs OUT)."""

project = "tfgraphviz"
extensions = ["myst_parser", "tfgraphviz.sphinxext"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = "tfgraphviz"
html_theme_options = {"page_width": "96%", "sidebar_width": "220px"}  # room for graphs
