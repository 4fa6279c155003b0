"""The live page (report.html in an iframe, reloaded through server-sent events), its script,
and the index of a folder's files."""

from __future__ import annotations

import html
from collections.abc import Sequence
from urllib.parse import quote

from tfgraphviz.serve.renderer import Target

ASSETS = "/_tfgraphviz/"
CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; frame-src 'self'; "
       "style-src 'unsafe-inline'; img-src 'self' data:")

STYLE = """<style>
body { margin: 0; font: 14px system-ui, sans-serif; display: flex; flex-direction: column;
       height: 100vh; }
#status { padding: 4px 10px; background: #eef; border-bottom: 1px solid #ccd; }
#status.failed { background: #fdd; }
iframe { flex: 1; border: 0; width: 100%; }
li { margin: 4px 0; }
</style>"""

SCRIPT = """"use strict";
const status = document.getElementById("status") || document.createElement("div");
const frame = document.getElementById("report");
const target = document.body.dataset.target;
let shown = -1;
function show(d) {
  status.className = d.state;
  const took = d.seconds ? " in " + d.seconds + " s" : "";
  const texts = {waiting: "waiting for the first render",
                 rendering: "rendering " + d.target + "\\u2026",
                 rendered: "rendered " + d.target + took + " (render " + d.generation + ")",
                 failed: "render failed: " + d.message + " (showing the last good report)"};
  status.textContent = texts[d.state] || d.state;
  if (d.state === "rendered" && d.generation !== shown || d.state === "failed" && shown < 0) {
    let hash = "";
    try { hash = frame.contentWindow.location.hash; } catch (e) { hash = ""; }
    shown = d.generation;
    frame.src = "report.html?render=" + d.generation + hash;
  }
}
const states = new Map();  // the index: reload when a file's render is done
const events = new EventSource(document.body.dataset.events);
events.addEventListener("render", (e) => {
  const d = JSON.parse(e.data);
  if (frame && d.target === target) { show(d); }
  const before = states.get(d.target);
  states.set(d.target, d.state);
  if (!frame && before !== undefined && before !== d.state && d.state !== "rendering") {
    location.reload();
  }
});
"""


def _page(title: str, body: str, target: str = "") -> str:
    data = f' data-target="{html.escape(target)}" data-events="{ASSETS}events"'
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title><link rel=\"icon\" href=\"data:,\">{STYLE}</head>"
            f"<body{data}>{body}</body></html>\n")


def live_page(target: Target) -> str:
    """report.html in an iframe (its CSP forbids injected scripts) and a status line."""
    body = (f'<div id="status">{html.escape(target.name)}: waiting for the first render</div>'
            '<iframe id="report" title="report"></iframe>'
            f'<script src="{ASSETS}live.js"></script>')
    return _page(f"{target.name} — tfgraphviz serve", body, target.name)


def index_page(folder: str, targets: Sequence[Target]) -> str:
    """The files of a served folder, each a link to its live page, with its last state."""
    items = "".join(
        f'<li><a href="{quote(t.prefix)}">{html.escape(t.name)}</a> — {html.escape(t.state)}'
        f'{": " + html.escape(t.message) if t.state == "failed" else ""}</li>' for t in targets)
    body = (f'<div style="padding: 0 10px"><h1>{html.escape(folder)}</h1>'
            f"<ul>{items or '<li>no .py files</li>'}</ul></div>"
            f'<script src="{ASSETS}live.js"></script>')
    return _page(f"{folder} — tfgraphviz serve", body)
