"""Shared fixtures: examples traced once per session, and a runner for the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLES = ROOT / "tfgraphviz" / "examples"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/*.dot from the current output")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def golden_file(name: str, *, writing: bool = False) -> Path:
    """tests/golden/NAME, drawn with the TensorFlow constraints.txt pins; on another TensorFlow
    (CI's 2.16), tests/golden/tf2.16/NAME where that version emits a different graph (its
    README says how), which is also where --update-golden writes on it."""
    import tensorflow as tf

    pins = (ROOT / "scripts" / "constraints.txt").read_text(encoding="utf-8").splitlines()
    if f"tensorflow=={tf.__version__}" in pins:
        return GOLDEN / name
    versioned = GOLDEN / ("tf" + ".".join(tf.__version__.split(".")[:2])) / name
    if writing:
        versioned.parent.mkdir(exist_ok=True)
    return versioned if writing or versioned.exists() else GOLDEN / name


@dataclass
class Traced:
    module: object
    functions: dict  # name -> TracedFunction


class Examples(Mapping[str, Traced]):
    """The bundled examples by name, each traced in-process the first time a test asks for it
    (a test of one small example does not wait for ResNet50), with Keras's layer names counted
    from zero for each, as in the command's own fresh process."""

    EXTRA = {"article_eager": ["f"]}  # not drawn by default: a lesson's failing call

    def __init__(self) -> None:
        self._paths = {p.stem: p for p in sorted(EXAMPLES.glob("*.py")) if p.stem != "__init__"}
        self._traced: dict[str, Traced] = {}

    def __getitem__(self, name: str) -> Traced:
        if name not in self._traced:
            self._traced[name] = self._trace(self._paths[name])
        return self._traced[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def _trace(self, path: Path) -> Traced:
        import tensorflow as tf

        from tfgraphviz.capture import capture_file
        from tfgraphviz.capture.hooks.output import captured_output
        from tfgraphviz.capture.loader import module_name

        tf.keras.backend.clear_session()
        with captured_output():
            captured = capture_file(path, self.EXTRA.get(path.stem))
        module = sys.modules[module_name(path)]
        return Traced(module, {t.name: t for t in captured.entries})


@pytest.fixture(scope="session")
def traced_examples() -> Examples:
    """Every bundled example traced in-process, once per session, when first used."""
    return Examples()


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> CliResult:
    """Run the real `python -m tfgraphviz` in a fresh process."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PYTHONHASHSEED", None)
    proc = subprocess.run([sys.executable, "-m", "tfgraphviz", *args], capture_output=True,
                          text=True, env=full_env, cwd=cwd or ROOT, timeout=600, check=False)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def assert_clean_error(result: CliResult, code: int, *needles: str) -> None:
    """Non-zero exit, no traceback, short messages prefixed with the program name."""
    assert result.code == code, (result.code, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines and all(ln.startswith("tfgraphviz: ") for ln in lines), result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
