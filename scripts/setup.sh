#!/usr/bin/env bash
# Install everything tfgraphviz and its tests need into .venv/: Graphviz's dot (Debian package)
# and the Python package with its test tools, at the versions the gallery was rendered with.
# Works with Debian's own /usr/bin/python3, which refuses pip installs outside a venv.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
PY=${PYTHON:-python3}
APT_UPDATED=""

apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "setup: apt-get not found; install $* with your package manager and run again" >&2
    exit 1
  fi
  if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  echo "setup: apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! command -v dot >/dev/null; then apt_install graphviz; fi
if ! dot -V >/dev/null 2>&1; then
  echo "setup: Graphviz's dot does not run after installing it; install the graphviz package" >&2
  exit 1
fi

if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: $PY is $("$PY" --version 2>&1); tfgraphviz needs Python 3.11 or newer" \
       "(set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    ver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    apt_install "python${ver}-venv"
    "$PY" -m venv .venv
  fi
fi
echo "setup: installing tfgraphviz and its pinned dependencies into .venv (TensorFlow is large:"\
     "a few minutes on a fresh machine)"
.venv/bin/python -m pip install --disable-pip-version-check --progress-bar on \
  -c scripts/constraints.txt -e '.[test]' || true
.venv/bin/python -c 'import tensorflow, networkx, graphviz, tfgraphviz' 2>/dev/null || {
  echo "setup: the install into .venv failed; see pip's messages above" >&2
  exit 1
}
echo "setup: done; run commands through .venv/bin/python (or: . .venv/bin/activate)"
