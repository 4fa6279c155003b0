"""The model: a traced graph as a networkx MultiDiGraph."""

from tfgraphviz.model.build import SEP, arg_id, python_name, result_id, to_networkx

__all__ = ["SEP", "arg_id", "python_name", "result_id", "to_networkx"]
