"""Views: the model collapsed, grouped and folded into the graph that is drawn."""

from tfgraphviz.views.build import ViewPlan, build_view, plan_view, view, view_and_visible
from tfgraphviz.views.options import ViewOptions, parse_depth

__all__ = ["ViewOptions", "ViewPlan", "build_view", "parse_depth", "plan_view", "view",
           "view_and_visible"]
