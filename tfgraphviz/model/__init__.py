"""The model: a traced graph as a networkx MultiDiGraph."""
