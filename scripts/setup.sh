#!/usr/bin/env bash
# Install everything tfgraphviz and its tests need: Graphviz's dot (Debian package) and the
# Python package with its test tools, at the versions the gallery was rendered with.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
if ! command -v dot >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq graphviz >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -c scripts/constraints.txt -e '.[test]'
