#!/usr/bin/env bash
# Install everything tfgraphviz and its tests need: Graphviz's dot (Debian package) and, in .venv/,
# the Python package with its test tools at the versions the gallery was rendered with.
# Works with Debian's own /usr/bin/python3, which refuses pip installs outside a virtual env.
# Run it again at will: once .venv holds what pyproject.toml and constraints.txt ask for, it
# checks and returns in seconds. PYTHON=/path/to/python3.11 picks the interpreter for .venv.
# VENV=.venv-tf2.16 PINS=scripts/constraints-tf2.16.txt makes a second venv with the oldest
# supported TensorFlow (PINS overrides constraints.txt's pins of the packages it names).
set -euo pipefail
VENV=${VENV:-.venv}
cd "$(dirname "$0")/.."
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
APT_UPDATED=""

fail() { echo "setup: $*" >&2; exit 1; }
[ -z "${PINS:-}" ] || [ -f "$PINS" ] || fail "PINS=$PINS not found"

apt_install() {
  command -v apt-get >/dev/null ||
    fail "apt-get not found; install $* with your package manager and run this again"
  if [ "$(id -u)" != 0 ] && [ -z "$SUDO" ]; then
    fail "installing $* needs root: run this as root, install sudo, or install $* yourself"
  fi
  if [ -z "$APT_UPDATED" ]; then
    echo "setup: apt-get update"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq </dev/null ||
      fail "apt-get update failed (see above); fix the package sources and run this again"
    APT_UPDATED=1
  fi
  echo "setup: apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$@" \
    </dev/null || fail "apt-get install $* failed (see above)"
}

# --- Graphviz: dot must really lay out a graph, not only be on PATH ---------------------------
dot_works() { printf 'digraph { a -> b }' | dot -Tsvg >/dev/null 2>&1; }
# rsvg-convert (librsvg2-bin) only serves a test that checks the SVGs with a second renderer.
rsvg=(); command -v rsvg-convert >/dev/null || rsvg=(librsvg2-bin)
if ! command -v dot >/dev/null; then
  apt_install graphviz "${rsvg[@]}"
elif [ ${#rsvg[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && { [ "$(id -u)" = 0 ] || [ -n "$SUDO" ]; }; then
    apt_install "${rsvg[@]}"
  else
    echo "setup: rsvg-convert not found (package librsvg2-bin): the test that uses it is skipped"
  fi
fi
hash -r
command -v dot >/dev/null || fail "Graphviz's dot is still not on PATH after installing graphviz"
if ! dot_works; then
  # A fresh package whose plugin list was not written yet: `dot -c` writes it (needs root).
  $SUDO dot -c >/dev/null 2>&1 || true
  dot_works || fail "Graphviz's dot ($(command -v dot)) cannot render SVG:" \
    "$(printf 'digraph { a -> b }' | dot -Tsvg 2>&1 >/dev/null | head -n 1)"
fi
echo "setup: $(dot -V 2>&1) at $(command -v dot)"

# --- Chromium and its WebDriver: the browser test opens report.html in headless Chromium --------
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if command -v apt-get >/dev/null && { [ "$(id -u)" = 0 ] || [ -n "$SUDO" ]; }; then
    apt_install chromium chromium-driver
  else
    echo "setup: chromium/chromedriver not found (Debian packages chromium, chromium-driver):" \
         "the browser test of report.html is skipped"
  fi
fi

# --- Python 3.11+ and a virtual environment in .venv -------------------------------------------
PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null; then
  [ -n "${PYTHON:-}" ] && fail "PYTHON=$PY not found"
  apt_install python3 python3-venv
fi
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  fail "$PY is $("$PY" --version 2>&1); tfgraphviz needs Python 3.11 or newer" \
       "(PYTHON=/path/to/python3.11 bash scripts/setup.sh)"

venv_ok() {
  [ -x "$VENV"/bin/python ] &&
    "$VENV"/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null &&
    "$VENV"/bin/python -m pip --version >/dev/null 2>&1
}
if ! venv_ok; then
  if [ -e "$VENV" ] || [ -L "$VENV" ]; then
    # Only a folder that venv made (it has pyvenv.cfg) is ever removed.
    [ -f "$VENV"/pyvenv.cfg ] && [ ! -L "$VENV" ] ||
      fail "$VENV exists but is not a working virtual environment; move it away and run again"
    echo "setup: $VENV is incomplete or too old; creating it again"
    rm -rf "$VENV"
  fi
  echo "setup: creating $VENV with $("$PY" --version 2>&1) ($(command -v "$PY"))"
  if ! "$PY" -m venv "$VENV" >/dev/null 2>&1; then
    # Debian ships venv's pip bootstrap (ensurepip) separately, in pythonX.Y-venv.
    rm -rf "$VENV"
    ver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    echo "setup: $PY -m venv failed (Debian ships it in the package python${ver}-venv)"
    apt_install "python${ver}-venv"
    "$PY" -m venv "$VENV" || fail "could not create $VENV with $PY (see above)"
  fi
  venv_ok || fail "$VENV was created but its pip does not run"
fi

# --- the package and its pinned dependencies ----------------------------------------------------
stamp=$VENV/.tfgraphviz-setup
constraints=scripts/constraints.txt
if [ -n "${PINS:-}" ]; then
  # PINS replaces the pins of the packages it names (TensorFlow's family); constraints.txt's
  # other pins (the test tools) stay, in one combined file inside the venv.
  constraints=$VENV/.constraints.txt
  awk 'NR == FNR { if (/^[A-Za-z]/) { n = tolower($0); sub(/[=<>!~ ;].*/, "", n);
                                      gsub(/[-_.]+/, "-", n); pinned[n] = 1 }
                   print; next }
       { n = tolower($0); sub(/[=<>!~ ;].*/, "", n); gsub(/[-_.]+/, "-", n) }
       !(n in pinned)' "$PINS" scripts/constraints.txt >"$constraints"
fi
want=$(cat pyproject.toml "$constraints" | cksum)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
   "$VENV"/bin/python -c 'import tfgraphviz, networkx, graphviz, pytest, selenium, importlinter, nbclient, ipykernel, sphinx, myst_parser' 2>/dev/null; then
  echo "setup: $VENV is up to date"
else
  rm -f "$stamp"
  echo "setup: pip install into $VENV: tfgraphviz and its pinned dependencies (TensorFlow is" \
       "about 600 MB: a few minutes on a fresh machine)"
  "$VENV"/bin/python -m pip install --progress-bar on -c "$constraints" -e '.[test]' ||
    fail "pip could not install tfgraphviz into $VENV (its error is above)"
  err=$("$VENV"/bin/python -c 'import tensorflow, networkx, tfgraphviz' 2>&1 >/dev/null) ||
    fail "installed, but importing it fails: $(printf '%s' "$err" | tail -n 1)"
  printf '%s\n' "$want" >"$stamp"
fi
echo "setup: done; run Python through $VENV/bin/python (or first: . $VENV/bin/activate)"
