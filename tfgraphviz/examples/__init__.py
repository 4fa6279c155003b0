"""Example files shipped with tfgraphviz: the tf.function article's steps and a few more."""

from pathlib import Path

FOLDER = Path(__file__).parent


def path(name: str) -> Path:
    """The installed path of an example, e.g. path("article_class_fix")."""
    return FOLDER / f"{name}.py"


def names() -> list[str]:
    """Every example's name, sorted."""
    return sorted(p.stem for p in FOLDER.glob("*.py") if p.stem != "__init__")
