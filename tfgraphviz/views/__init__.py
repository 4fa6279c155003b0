"""Views: the model collapsed, grouped and folded into the graph that is drawn."""
