/* tfgraphviz report.html: draws the visible part of each graph with the vendored Graphviz
   (viz-js, WebAssembly), opens and closes name scopes and bodies in place, shows a node's
   details beside its source line and AutoGraph line, and links the explanation to the ops. */
"use strict";
(function () {
  const META = JSON.parse(document.getElementById("tfg-meta").textContent);
  const MAX_VISIBLE = 2000; // more nodes (or edges) than this are not laid out in the page
  const MAX_EDGES = 4000;
  const LAYOUT_TIMEOUT = 30000; // ms; a layout still running then is stopped
  const MAX_ROWS = 200; // inputs/outputs listed in the details panel
  const MAX_REVEAL = 12; // a finding opens the scopes of at most this many of its ops
  const MAX_REVEAL_NODES = 400; // ... unless that would draw more nodes: their boxes are marked
  const READABLE = 0.6; // the smallest scale whose labels stay readable (11 pt text at ~9 px)
  const MAX_FIRST = 600; // a first view with more nodes is not made smaller to fit the canvas
  const LAYOUTS_KEPT = 4; // the last layouts are kept: the first view and "reset" need no new one
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const dq = (s) => '"' + String(s).replace(/\\/g, "\\\\").replace(/"/g, '\\"')
    .replace(/\r/g, "").replace(/\n/g, "\\n") + '"';
  const timings = { start: performance.now() };
  window.tfgTimings = timings;

  const state = {
    fn: 0, graph: 0, G: null, open: new Set(), broken: new Set(), sel: -1, hl: new Set(), hlEdges: [],
    scale: 1, tx: 0, ty: 0, svg: null, vis: null,
    framed: new Set(),  // scopes opened in the page (not in the first view): drawn in a titled frame
    first: new Set(),  // the scopes open in the first view ("reset view" goes back to it)
    edgeIds: [],  // model edge -> the id of the drawn edge that shows it ("" when none)
    search: { q: "", hits: [], k: -1 },
  };
  const cache = new Map();

  // ---- data ----------------------------------------------------------------------------------
  async function gunzip(b64) {
    const bin = atob(b64.trim());
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return await new Response(stream).text();
  }

  async function loadGraph(fi, gi) {
    const key = fi + ":" + gi;
    if (cache.has(key)) return cache.get(key);
    const ref = META.functions[fi].graphs[gi];
    const G = JSON.parse(await gunzip($(ref.data).textContent));
    G.idIndex = new Map(G.nodes.map((n, i) => [n.id, i]));
    G.ins = G.nodes.map(() => []);
    G.outs = G.nodes.map(() => []);
    G.edges.forEach((e, k) => { G.outs[e[0]].push(k); G.ins[e[1]].push(k); });
    G.runOf = new Map();
    G.runs.forEach((r, k) => r.m.forEach((c) => G.runOf.set(c, k)));
    cache.set(key, G);
    return G;
  }

  // ---- what is visible -----------------------------------------------------------------------
  function visibleIds(G) {
    const OPEN = null;
    const C = G.containers.length;
    const tgt = new Array(C);
    for (let c = 0; c < C; c++) {
      const p = G.containers[c].p;
      if (p >= 0 && tgt[p] !== OPEN) tgt[c] = tgt[p];
      else tgt[c] = state.open.has(c) ? OPEN : "s" + c;
    }
    const runMap = new Map();
    G.runs.forEach((r, k) => {
      if (state.broken.has(k)) return;
      if (r.m.every((c) => tgt[c] === "s" + c)) r.m.forEach((c) => runMap.set("s" + c, "r" + k));
    });
    const vis = new Array(G.nodes.length);
    G.nodes.forEach((n, i) => {
      if (n.a !== undefined) return;
      const t = n.c < 0 ? OPEN : tgt[n.c];
      vis[i] = t === OPEN ? "n" + i : (runMap.get(t) || t);
    });
    G.nodes.forEach((n, i) => { if (n.a !== undefined) vis[i] = vis[n.a]; });
    return vis;
  }

  function nodeInfo(G, id) {
    const k = +id.slice(1);
    if (id[0] === "n") {
      const n = G.nodes[k];
      return { body: n.b, l: n.l, s: G.styles[n.s], t: n.t, kind: n.k, i: k };
    }
    if (id[0] === "s") {
      const c = G.containers[k];
      return { body: c.w, l: c.l, s: G.styles[c.s], t: c.t, kind: "scope" };
    }
    const r = G.runs[k];
    const c = G.containers[r.m[0]];
    return { body: c.w, l: r.l, s: G.styles[r.s], t: r.t, kind: "scope" };
  }

  function mergedText(count, shapes) {
    let text = "×" + count;
    if (shapes.length) {
      text += " " + shapes[0];
      if (shapes.length > 1) text += " +" + (shapes.length - 1) + " shape" + (shapes.length > 2 ? "s" : "");
    }
    return text;
  }

  // the look of the frame around an opened scope (its title: the scope's path)
  const FRAME = 'style="rounded,dashed", color="#868e96", fontcolor="#343a40", fontsize="10", penwidth="1.2", labeljust="l"';

  // a body's own scope (`while:body`) is shown by the body's cluster, not by a frame
  const isBodyScope = (G, c) => G.containers[c].n.includes(":");

  // which frame each drawn id is in (-1: none) and the frames inside each frame (-1: top)
  function frameTree(G, vis, info) {
    const shown = (c) => { for (; c >= 0; c = G.containers[c].p) if (!state.open.has(c)) return false; return true; };
    const framed = new Set([...state.framed].filter((c) => !isBodyScope(G, c) && shown(c)));
    const up = (c, body) => {  // the innermost frame from container c up, in that body
      for (; c >= 0; c = G.containers[c].p) if (framed.has(c) && G.containers[c].w === body) return c;
      return -1;
    };
    const of = new Map();
    const used = new Set();
    for (const [id, n] of info) {
      let c = -1;
      if (id[0] === "n") c = G.nodes[+id.slice(1)].c;
      else if (id[0] === "s") c = G.containers[+id.slice(1)].p;
      else c = G.containers[G.runs[+id.slice(1)].m[0]].p;
      const f = framed.size ? up(c, n.body) : -1;
      of.set(id, f);
      for (let g = f; g >= 0; g = up(G.containers[g].p, n.body)) used.add(g);
    }
    const kids = new Map();
    for (const c of [...used].sort((a, b) => a - b)) {
      const parent = up(G.containers[c].p, G.containers[c].w);
      if (!kids.has(parent)) kids.set(parent, []);
      kids.get(parent).push(c);
    }
    return { of, kids };
  }

  function buildDot(G, vis) {
    const order = [];
    const info = new Map();
    vis.forEach((id) => {
      if (id !== undefined && !info.has(id)) { info.set(id, nodeInfo(G, id)); order.push(id); }
    });
    const single = [];
    const merged = new Map();
    const mergedOrder = [];
    G.edges.forEach((e, k) => {
      const a = vis[e[0]], b = vis[e[1]];
      if (a === b) return;
      if (a[0] === "n" && b[0] === "n") { single.push(k); return; }
      const key = a + " " + b + " " + e[4];
      let m = merged.get(key);
      if (!m) { m = { a, b, mk: e[4], count: 0, shapes: new Set(), wheres: new Set(), e, ks: [] }; merged.set(key, m); mergedOrder.push(m); }
      m.count += 1;
      m.ks.push(k);
      if (e.length > 6) m.shapes.add(e[3]);
      m.wheres.add(e[5]);
    });
    const mkNames = G.kinds;
    const edgeLines = [];
    const edgeIds = new Array(G.edges.length).fill("");
    const hasPredInBody = new Set();
    const callInto = new Set();
    const bodyOf = (id) => info.get(id).body;
    const note = (a, b, isCall) => {
      if (bodyOf(a) === bodyOf(b)) hasPredInBody.add(b);
      if (isCall) callInto.add(a + ">" + bodyOf(b));
    };
    const describe = (i) => G.nodes[i].t.slice(1, -1);
    for (const k of single) {
      const e = G.edges[k];
      const a = vis[e[0]], b = vis[e[1]];
      const kind = mkNames[e[4]];
      note(a, b, kind === "call");
      let tip = describe(e[0]) + " → " + describe(e[1]);
      if (e.length > 6) tip += "\\noutput " + e[6] + " → input " + e[7] + ": " + e[3];
      let attrs = G.styles[e[2]];
      if (e[3]) attrs += ", label=" + dq(e[3]) + ", labeltooltip=\"" + tip + "\"";
      edgeLines.push("  " + a + " -> " + b + " [id=\"e" + k + "\", " + attrs + ", tooltip=\"" + tip + "\"];");
      edgeIds[k] = "e" + k;
    }
    mergedOrder.forEach((m, j) => m.ks.forEach((k) => { edgeIds[k] = "m" + j; }));
    for (const [j, m] of mergedOrder.entries()) {
      const kind = mkNames[m.mk];
      note(m.a, m.b, kind === "call");
      if (m.count === 1) {
        const e = m.e;
        let attrs = G.styles[e[2]];
        if (e[3]) attrs += ", label=" + dq(e[3]);
        edgeLines.push("  " + m.a + " -> " + m.b + " [id=\"m" + j + "\", " + attrs + "];");
        continue;
      }
      const shapes = [...m.shapes].sort();
      const label = mergedText(m.count, shapes);
      const what = { data: "tensors", control: "control dependencies", call: "arguments passed", "return": "results returned" }[kind.split(":")[0]] || "edges";
      let tip = m.count + " " + what + " merged";
      if (shapes.length) tip += "\nshapes: " + shapes.join(", ");
      const wheres = [...m.wheres];
      if (wheres.length === 1 && wheres[0]) tip += "\nentered at " + wheres[0];
      edgeLines.push("  " + m.a + " -> " + m.b + " [id=\"m" + j + "\", " + G.merged[kind][m.count < 10 ? 0 : 1] +
        ", label=" + dq(label) + ", tooltip=" + dq(tip) + ", labeltooltip=" + dq(tip) + "];");
    }
    const edgeCount = edgeLines.length;
    if (order.length > MAX_VISIBLE || edgeCount > MAX_EDGES) return { tooMany: order.length, edges: edgeCount };
    const members = new Map();
    for (const id of order) {
      const b = bodyOf(id);
      if (!members.has(b)) members.set(b, []);
      members.get(b).push(id);
    }
    // frames: scopes opened in the page are drawn as a titled cluster around their ops, inside
    // the cluster of the body they belong to (a body already has its titled cluster)
    const frames = frameTree(G, vis, info);
    const lines = G.header.slice();
    let clusterNo = 0;
    const ties = [];
    const emitBody = (b, indent) => {
      const boundary = { arg: [], ret: [] };
      const items = members.get(b) || [];
      for (const id of items) {
        const n = info.get(id);
        if (frames.of.get(id) < 0) {
          lines.push(indent + id + " [id=" + dq(id) + ", " + n.s + ", label=<" + n.l + ">, tooltip=" + n.t + "];");
        }
        if (b && boundary[n.kind]) {
          const text = G.index_text[n.i] || "";
          boundary[n.kind].push([/^\d+$/.test(text) ? +text : 0, id]);
        }
      }
      for (const group of [boundary.arg, boundary.ret]) {
        const ordered = group.slice().sort((x, y) => x[0] - y[0]).map((x) => x[1]);
        if (ordered.length > 1) {
          lines.push(indent + "{rank=\"same\"; " + ordered.join("; ") + ";}");
          lines.push(indent + ordered.join(" -> ") + " [style=\"invis\"];");
        }
      }
      if (b && boundary.arg.length) {
        const first = boundary.arg.slice().sort((x, y) => x[0] - y[0])[0][1];
        for (const id of items) {
          const kind = info.get(id).kind;
          if (kind !== "arg" && kind !== "ret" && !hasPredInBody.has(id)) {
            lines.push(indent + first + " -> " + id + " [style=\"invis\"];");
          }
        }
      }
      emitInside(b, -1, indent);
    };
    // the frames and bodies drawn inside frame `f` (-1: the body itself) of body `b`
    const emitInside = (b, f, indent) => {
      for (const c of frames.kids.get(f) || []) {
        if (G.containers[c].w !== b) continue;
        const cont = G.containers[c];
        lines.push(indent + "subgraph cluster_f" + c + " {");
        lines.push(indent + "  graph [id=" + dq("f" + c) + ", label=" + dq(cont.path) + ", " + FRAME +
          ", tooltip=" + dq("opened scope " + cont.path + " (" + cont.count + " ops): click its title to close it") + "];");
        for (const id of members.get(b) || []) {
          if (frames.of.get(id) !== c) continue;
          const n = info.get(id);
          lines.push(indent + "  " + id + " [id=" + dq(id) + ", " + n.s + ", label=<" + n.l + ">, tooltip=" + n.t + "];");
        }
        emitInside(b, c, indent + "  ");
        lines.push(indent + "}");
      }
      G.bodies.forEach((body, k) => {
        const bi = k + 1;
        if (body.parent !== b || !members.has(bi)) return;
        const callerId = vis[body.caller];
        const place = callerId && info.has(callerId) && bodyOf(callerId) === b ? frames.of.get(callerId) : -1;
        if (place !== f) return;
        const number = clusterNo++;
        if (body.tie && callerId && !callInto.has(callerId + ">" + bi)) {
          ties.push("  " + callerId + " -> " + members.get(bi)[0] + " [" +
            body.tie.replace("CLUSTER", "cluster_" + number) + "];");
        }
        lines.push(indent + "subgraph cluster_" + number + " {");
        lines.push(indent + "  graph [id=" + dq("b" + bi) + ", " + body.g + "];");
        emitBody(bi, indent + "  ");
        lines.push(indent + "}");
      });
    };
    emitBody(0, "  ");
    return { dot: lines.concat(edgeLines, ties, ["}"]).join("\n") + "\n", count: order.length, edges: edgeCount, edgeIds };
  }

  // ---- drawing, pan and zoom -----------------------------------------------------------------
  function applyTransform() {
    fitButton(false);
    if (state.svg) state.svg.style.transform = "translate(" + state.tx + "px," + state.ty + "px) scale(" + state.scale + ")";
  }

  // the whole graph when its labels stay readable; else the readable scale, the graph's top
  // centred. `all`: the whole graph, however small. True when the whole graph is in view.
  function svgSize(svg) {
    const size = (length, text) => {
      const v = length.baseVal.value;
      if (v) return v;
      const m = /^([\d.]+)(pt)?$/.exec(text || "");
      return m ? +m[1] * (m[2] ? 4 / 3 : 1) : 1;
    };
    return [size(svg.width, svg.getAttribute("width")), size(svg.height, svg.getAttribute("height"))];
  }

  // the scale that shows all of a w × h graph in the canvas, below the caption
  function wholeScale(w, h) {
    const box = $("canvas").getBoundingClientRect();
    const room = Math.max(box.height - $("overlay").offsetHeight, 40);
    return Math.min(box.width / w, room / h, 1.5) * 0.97;
  }

  function fit(all) {
    const box = $("canvas").getBoundingClientRect();
    if (!state.svg) return true;
    const [w, h] = svgSize(state.svg);
    const top = $("overlay").offsetHeight;  // the caption over the canvas' top
    const room = Math.max(box.height - top, 40);
    const whole = wholeScale(w, h);
    state.scale = all ? whole : Math.max(whole, READABLE);
    state.tx = (box.width - w * state.scale) / 2;
    const cropped = state.scale > whole;
    state.ty = top + (cropped ? 4 : (room - h * state.scale) / 2);
    applyTransform();
    return !cropped;
  }

  // "fit" shows the graph at a readable scale; when that is not all of it, a second click
  // (the button then says "fit all") shows all of it with small text
  function fitButton(cropped) {
    const b = $("fit");
    b.textContent = cropped ? "fit all" : "fit";
    b.title = cropped ? "show the whole graph (its text gets small)" : "fit the graph in view";
    b.dataset.next = cropped ? "all" : "";
  }

  function screenPos(id) {
    const g = state.svg && state.svg.getElementById(id);
    if (!g) return null;
    const r = g.getBoundingClientRect();
    const c = $("canvas").getBoundingClientRect();
    return { x: r.left + r.width / 2 - c.left, y: r.top + r.height / 2 - c.top };
  }

  // ---- layout in a worker: the page stays responsive, a layout that runs too long is stopped
  let worker = null, workerUrl = null, seq = 0;
  const pending = new Map();

  function workerMain() {
    const ready = Viz.instance();
    self.onmessage = async (ev) => {
      const viz = await ready;
      try {
        self.postMessage({ id: ev.data.id, svg: viz.renderString(ev.data.dot,
          { format: "svg", graphAttributes: ev.data.attrs }) });
      } catch (err) {
        self.postMessage({ id: ev.data.id, error: String((err && err.message) || err) });
      }
    };
  }

  function stopWorker(reason) {
    if (!worker) return;
    worker.terminate();
    URL.revokeObjectURL(workerUrl);
    worker = null;
    for (const p of pending.values()) { clearTimeout(p.timer); p.reject(new Error(reason)); }
    pending.clear();
  }

  let vizSource = null;
  async function getWorker() {
    if (!vizSource) vizSource = gunzip($("tfg-viz").textContent);
    const viz = await vizSource;
    if (worker) return worker;
    const source = viz + "\n;(" + workerMain.toString() + ")();\n";
    workerUrl = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    worker = new Worker(workerUrl);
    worker.onmessage = (ev) => {
      const p = pending.get(ev.data.id);
      if (!p) return;
      pending.delete(ev.data.id);
      clearTimeout(p.timer);
      if (ev.data.error) p.reject(new Error(ev.data.error)); else p.resolve(ev.data.svg);
    };
    worker.onerror = (ev) => { ev.preventDefault(); stopWorker("the layout worker failed: " + ev.message); };
    return worker;
  }

  const kept = new Map();
  async function layout(dot, attrs) {
    const key = JSON.stringify(attrs || {}) + "\n" + dot;
    if (kept.has(key)) return kept.get(key);
    const text = await layoutNow(dot, attrs);
    kept.set(key, text);
    if (kept.size > LAYOUTS_KEPT) kept.delete(kept.keys().next().value);
    return text;
  }

  async function layoutNow(dot, attrs) {
    const w = await getWorker();
    return new Promise((resolve, reject) => {
      const id = ++seq;
      const timer = setTimeout(() => stopWorker("it took longer than " + LAYOUT_TIMEOUT / 1000 + " s"),
        LAYOUT_TIMEOUT);
      pending.set(id, { resolve, reject, timer });
      w.postMessage({ id, dot, attrs: attrs || {} });
    });
  }

  function toSvg(text) {
    return document.importNode(new DOMParser().parseFromString(text, "image/svg+xml").documentElement, true);
  }

  // `dot`'s effort by size, as tfgraphviz's layout.py chooses it for the SVG files
  function settings(nodes, edges) {
    if (nodes <= 150 && edges <= 300) return {};
    const tuned = { mclimit: 0.1, nslimit: 1, searchsize: 10 };
    return Object.assign(tuned, { splines: nodes <= 500 && edges <= 1000 ? "polyline" : "line" });
  }

  let drawing = 0;
  // "ok", "failed" (nothing changed on screen) or "stale" (a later draw replaced it)
  async function draw(anchor, limit) {
    const G = state.G;
    const t0 = performance.now();
    const vis = visibleIds(G);
    const built = buildDot(G, vis);
    if (limit && (built.tooMany || built.count > limit)) {
      return "too big";  // the caller says what it does instead
    }
    if (built.tooMany) {
      message("Opening that would show " + built.tooMany + " nodes and " + built.edges +
        " edges (at most " + MAX_VISIBLE + " and " + MAX_EDGES + " are laid out in the page): " +
        "open a smaller scope, or draw it with tfgraphviz render --expand.");
      return "failed";
    }
    const mine = ++drawing;
    if (pending.size) stopWorker("stale");
    $("status").textContent = "laying out " + built.count + " nodes…";
    let text;
    try {
      text = await layout(built.dot, settings(built.count, built.edges));
    } catch (err) {
      if (mine !== drawing) return "stale";
      message("Graphviz could not lay out this view: " + err.message +
        ". Open a smaller scope, or draw it with tfgraphviz render --expand.");
      $("status").textContent = "";
      return "failed";
    }
    if (mine !== drawing || state.G !== G) return "stale";
    message("");
    const svg = toSvg(text);
    const before = anchor ? anchor.pos : null;
    state.vis = vis;
    state.edgeIds = built.edgeIds;
    $("stage").replaceChildren(svg);
    state.svg = svg;
    svg.classList.add("graph");
    svg.setAttribute("data-nodes", String(built.count));
    if (before && anchor.id && svg.getElementById(anchor.id)) {
      applyTransform();
      const after = screenPos(anchor.id);
      if (after) { state.tx += before.x - after.x; state.ty += before.y - after.y; }
      applyTransform();
    } else {
      fitButton(!fit(false));
    }
    markNodes();
    timings.lastDraw = performance.now() - t0;
    timings.lastCount = built.count;
    $("status").textContent = built.count + " nodes drawn of " + G.nodes.length + " ops · laid out in " +
      Math.round(timings.lastDraw) + " ms";
    document.body.dataset.draws = String((+document.body.dataset.draws || 0) + 1);
    return "ok";
  }

  function markNodes() {
    if (!state.svg) return;
    const marks = ["sel", "hl", "in", "out", "nin", "nout"];
    state.svg.querySelectorAll("." + marks.join(", .")).forEach((g) => g.classList.remove(...marks));
    const G = state.G;
    if (state.sel >= 0) {
      // the selected op's inputs (edges and the ops they come from) and outputs, in two colours
      const own = state.vis[state.sel];
      for (const [list, end, edgeClass, nodeClass] of [[G.ins[state.sel], 0, "in", "nin"], [G.outs[state.sel], 1, "out", "nout"]]) {
        for (const k of list) {
          const other = state.vis[G.edges[k][end]];
          if (other === own) continue;
          const e = state.edgeIds[k] && state.svg.getElementById(state.edgeIds[k]);
          if (e) e.classList.add(edgeClass);
          const g = other && state.svg.getElementById(other);
          if (g) g.classList.add(nodeClass);
        }
      }
    }
    for (const i of state.hl) {
      const g = state.svg.getElementById(state.vis[i]);
      if (g) g.classList.add("hl");
    }
    for (const k of state.hlEdges) {
      const g = state.svg.getElementById("e" + k);
      if (g) g.classList.add("hl");
    }
    if (state.sel >= 0) {
      const g = state.svg.getElementById(state.vis[state.sel]);
      if (g) g.classList.add("sel");
    }
  }

  function message(text) {
    const box = $("message");
    box.textContent = text;
    box.hidden = !text;
  }

  // ---- opening and closing -------------------------------------------------------------------
  function ancestors(G, c) {
    const out = [];
    for (; c >= 0; c = G.containers[c].p) out.push(c);
    return out.reverse();
  }

  function reveal(i) {
    const G = state.G;
    const n = G.nodes[i];
    const shown = n.a !== undefined ? G.nodes[n.a] : n;
    for (const c of ancestors(G, shown.c)) {
      if (!state.open.has(c)) state.framed.add(c);
      state.open.add(c);
      if (G.runOf.has(c)) state.broken.add(G.runOf.get(c));
    }
  }

  async function openContainer(c) {
    const G = state.G;
    const anchor = { id: "s" + c, pos: screenPos("s" + c) };
    const broken = new Set(state.broken);
    state.open.add(c);
    state.framed.add(c);
    if (G.runOf.has(c)) state.broken.add(G.runOf.get(c));
    anchor.id = firstVisibleOf(c);
    const done = await draw(anchor);
    if (done === "failed") { state.open.delete(c); state.framed.delete(c); state.broken = broken; return; }
    if (done === "ok") showScope(c, true);
  }

  function firstVisibleOf(c) {
    const G = state.G;
    const vis = visibleIds(G);
    const first = G.containers[c].m[0];
    return first === undefined ? null : vis[first];
  }

  async function closeContainer(c) {
    const anchorId = state.vis[state.G.containers[c].m[0]];
    const anchor = { id: "s" + c, pos: screenPos(anchorId) };
    const framed = state.framed.has(c);
    state.open.delete(c);
    state.framed.delete(c);
    const done = await draw(anchor);
    if (done === "failed") { state.open.add(c); if (framed) state.framed.add(c); return; }
    if (done === "ok") showScope(c, false);
  }

  async function unfoldRun(k) {
    const G = state.G;
    const anchor = { id: "s" + G.runs[k].m[0], pos: screenPos("r" + k) };
    state.broken.add(k);
    if (await draw(anchor) === "failed") state.broken.delete(k);
  }

  // ---- details panel, source and AutoGraph lines --------------------------------------------
  function scopeCrumbs(G, c, box) {
    const crumbs = el("div", "crumbs");
    for (const a of ancestors(G, c)) {
      if (!state.open.has(a)) continue;
      const b = el("button", "close", "close " + G.containers[a].n);
      b.title = "collapse " + G.containers[a].path + " back into one node";
      b.addEventListener("click", () => closeContainer(a));
      crumbs.append(b);
    }
    if (crumbs.childNodes.length) box.append(el("div", "label", "opened scopes:"), crumbs);
  }

  function showScope(c, opened) {
    const G = state.G;
    const box = $("info");
    box.replaceChildren();
    const cont = G.containers[c];
    box.append(el("h3", "", (opened ? "opened " : "closed ") + cont.path));
    box.append(el("p", "", cont.count + " ops"));
    scopeCrumbs(G, opened ? c : cont.p, box);
  }

  function nodeName(G, i) {
    const n = G.nodes[i];
    return n.n + " (" + n.o + ")";
  }

  function edgeRow(G, k, incoming) {
    const e = G.edges[k];
    const kind = G.kinds[e[4]];
    const other = incoming ? e[0] : e[1];
    const li = el("li");
    let text = kind;
    if (e.length > 6) text = incoming ? "input " + e[7] + " ← output " + e[6] : "output " + e[6] + " → input " + e[7];
    li.append(el("span", "edge-kind", text + " "));
    const a = el("a", "node-link", nodeName(G, other));
    a.href = "#";
    a.addEventListener("click", (ev) => { ev.preventDefault(); select(other, true); });
    li.append(a);
    if (e[3]) li.append(el("span", "shape", " " + e[3]));
    if (e[5]) li.append(el("span", "where", " entered at " + e[5]));
    return li;
  }

  function showNode(i) {
    const G = state.G;
    const n = G.nodes[i];
    const box = $("info");
    box.replaceChildren();
    box.append(el("h3", "", n.n));
    // what the colours of the drawing mean
    const key = el("div", "io-key");
    key.append(el("span", "swatch in"), " inputs ", el("span", "swatch out"), " outputs ",
      el("span", "hint", "(edges and ops highlighted in the graph)"));
    box.append(key);
    const table = el("table", "attrs");
    const row = (k, v) => { const tr = el("tr"); tr.append(el("th", "", k), el("td", "", v)); table.append(tr); };
    row("op", n.o);
    row("kind", n.k);
    if (n.b) row("in", G.bodies[n.b - 1].where);
    n.out.forEach((t, k) => row("output " + k, t));
    for (const [k, v] of Object.entries(n.x)) row(k, String(v));
    for (const [k, v] of Object.entries(n.at)) row("attr " + k, v);
    n.src.forEach((s) => row("source", s));
    if (n.ag) row("AutoGraph line", String(n.ag));
    if (n.abs) row("folded into it", n.abs.join(", "));
    box.append(table);
    box.append(el("h4", "in", "inputs (" + G.ins[i].length + ")"));
    const ins = el("ul", "edges");
    G.ins[i].slice(0, MAX_ROWS).forEach((k) => ins.append(edgeRow(G, k, true)));
    if (G.ins[i].length > MAX_ROWS) ins.append(el("li", "hint", "… " + (G.ins[i].length - MAX_ROWS) + " more"));
    box.append(ins);
    box.append(el("h4", "out", "outputs (" + G.outs[i].length + ")"));
    const outs = el("ul", "edges");
    G.outs[i].slice(0, MAX_ROWS).forEach((k) => outs.append(edgeRow(G, k, false)));
    if (G.outs[i].length > MAX_ROWS) outs.append(el("li", "hint", "… " + (G.outs[i].length - MAX_ROWS) + " more"));
    box.append(outs);
    scopeCrumbs(G, (n.a !== undefined ? G.nodes[n.a] : n).c, box);
  }

  function sourceLines(n) {
    const lines = [];
    for (const s of n.src) {
      const m = /^(.*):(\d+)(?: in .*)?$/.exec(s);
      if (m && m[1].split("/").pop() === META.source_name) lines.push(+m[2]);
    }
    return lines;
  }

  function highlightCode(pre, lines) {
    pre.querySelectorAll(".on, .main").forEach((d) => d.classList.remove("on", "main"));
    let last = null;
    for (const no of lines) {
      const line = pre.children[no - 1];
      if (line) { line.classList.add("on"); last = line; }
    }
    if (last) {
      last.classList.add("main");
      pre.scrollTop = last.offsetTop - pre.clientHeight / 2;  // the pre is its offsetParent
    }
  }

  async function revealAndDraw(ids, limit, what) {
    // open what hides these ops; if that is too much to lay out, their boxes are marked instead
    const open = new Set(state.open), broken = new Set(state.broken), framed = new Set(state.framed);
    ids.forEach(reveal);
    if (state.open.size === open.size && state.broken.size === broken.size) return true;
    const done = await draw(null, limit || MAX_REVEAL_NODES);
    if (done !== "failed" && done !== "too big") return true;
    state.open = open;
    state.broken = broken;
    state.framed = framed;
    if (done === "too big") {
      $("status").textContent = "the " + (what || "ops of this finding are") + " inside the marked boxes " +
        "(opening them all would draw more than " + (limit || MAX_REVEAL_NODES) + " nodes)";
    } else {  // the layout gave up: the view before stays, the ops' boxes are marked in it
      message("");
      await draw(null);
      $("status").textContent = "the " + (what || "ops of this finding are") + " inside the marked boxes " +
        "(opening them all took too long to lay out)";
    }
    return false;
  }

  function ensureVisible(id) {
    // pan so that the node is in view, when it is not
    const pos = screenPos(id);
    const box = $("canvas").getBoundingClientRect();
    if (!pos || (pos.x > 20 && pos.y > 20 && pos.x < box.width - 20 && pos.y < box.height - 20)) return;
    state.tx += box.width / 2 - pos.x;
    state.ty += box.height / 2 - pos.y;
    applyTransform();
  }

  function centreOn(id) {
    // the node in the middle of the canvas, at a readable scale at least
    const g = state.svg && state.svg.getElementById(id);
    if (!g) return;
    if (state.scale < READABLE) {
      const pos = screenPos(id), f = READABLE / state.scale;
      state.tx = pos.x - (pos.x - state.tx) * f;
      state.ty = pos.y - (pos.y - state.ty) * f;
      state.scale = READABLE;
      applyTransform();
    }
    const pos = screenPos(id);
    const box = $("canvas").getBoundingClientRect();
    const top = $("overlay").offsetHeight;
    state.tx += box.width / 2 - pos.x;
    state.ty += top + (box.height - top) / 2 - pos.y;
    applyTransform();
  }

  async function select(i, revealIt, centre) {
    const G = state.G;
    if (revealIt) await revealAndDraw([i], centre ? MAX_VISIBLE : 0, centre ? "op found is" : "");
    state.sel = i;
    markNodes();
    if (centre) centreOn(state.vis[i]);
    else if (revealIt || revealIt === undefined) ensureVisible(state.vis[i]);
    showNode(i);
    const n = G.nodes[i];
    highlightCode($("src"), sourceLines(n));
    highlightCode($("ag"), n.ag ? [n.ag] : []);
  }

  // ---- explanation ---------------------------------------------------------------------------
  function showExplanation() {
    const fn = META.functions[state.fn];
    const box = $("explain-body");
    box.replaceChildren();
    const ex = fn.explanation || {};
    const traces = ex.traces || [];
    if (traces.length) {
      const ul = el("ul", "traces");
      for (const t of traces) {
        let text = "trace " + (t.index + 1) + ": " + (t.signature || "");
        if (t.cause && t.cause.recursion !== undefined && t.cause.recursion !== null) {
          text += " — traced inside trace " + (t.cause.recursion + 1) + " (the function calls itself)" +
            (t.cause.argument ? ": " + t.cause.argument + " " + (t.cause.change || "") : "");
        }
        else if (t.cause && t.cause.argument) {
          text += " — traced again because " + t.cause.argument + " changed" +
            (t.cause.what ? " (" + t.cause.what + ")" : "") + ": " + t.cause.change;
        }
        else if (t.cause && t.cause.by_tensorflow) text += " — traced again by TensorFlow: " + t.cause.by_tensorflow;
        const li = el("li", "", text);
        for (const p of t.printed || []) li.append(el("div", "printed", "printed at " + p.where + ": " + p.text));
        if (t.error) {
          li.append(el("div", "printed", "failed" + (t.error_line ? " at line " + t.error_line : "") +
            ": " + String(t.error).split("\n")[0]));
        }
        ul.append(li);
      }
      box.append(ul);
    }
    const findings = ex.findings || [];
    const ul = el("ul", "findings");
    findings.forEach((f, k) => {
      const li = el("li", "finding");
      li.dataset.kind = f.kind || "";
      li.append(el("span", "kind", f.kind || ""), " ");
      const text = el("a", "finding-link", f.text || "");
      text.href = "#";
      text.dataset.finding = String(k);
      text.addEventListener("click", (ev) => { ev.preventDefault(); api.busy = showFinding(f); });
      li.append(text);
      if (f.where) li.append(" ", el("span", "where", f.where));
      if ((f.ops || []).length) li.append(" ", el("span", "ops", "(" + f.ops.length + " op" + (f.ops.length > 1 ? "s" : "") + ")"));
      ul.append(li);
    });
    if (!findings.length && !traces.length) box.append(el("p", "", "No explanation for this function."));
    box.append(ul);
  }

  async function showFinding(f) {
    const fn = META.functions[state.fn];
    if (f.graph !== null && f.graph !== undefined && f.graph !== state.graph && f.graph < fn.graphs.length) {
      await switchGraph(state.fn, f.graph);
    }
    const G = state.G;
    if (G) {
      const ids = (f.ops || []).map((id) => G.idIndex.get(id)).filter((i) => i !== undefined);
      state.hl = new Set(ids);
      // the edges between the ops of a finding (an ordering edge it is about)
      state.hlEdges = ids.length > 1 && ids.length <= MAX_REVEAL
        ? [...new Set(ids.flatMap((i) => G.outs[i]))].filter((k) => state.hl.has(G.edges[k][1])) : [];
      if (ids.length) {
        if (!await revealAndDraw(ids.slice(0, MAX_REVEAL))) markNodes();
        await select(ids[0]);
      } else {
        markNodes();
      }
    }
    if (f.line) highlightCode($("src"), [f.line]);
  }

  // ---- the first view ------------------------------------------------------------------------
  // The file's view (the SVG files') when all of it fits the canvas at a readable scale; else,
  // for a graph with control flow, that view with its innermost bodies closed, level by level,
  // until it fits (the bodies open again with a click); else the file's view.
  async function firstView(G) {
    const opened = new Set(G.opened);
    const level = (c) => ancestors(G, c).filter((a) => isBodyScope(G, a)).length;
    const roots = G.opened.filter((c) => isBodyScope(G, c));
    if (!roots.length) return opened;
    const candidates = [opened];
    for (let L = Math.max(...roots.map(level)) - 1; L >= 0; L--) {
      candidates.push(new Set(G.opened.filter((c) => !(isBodyScope(G, c) && level(c) > L))));
    }
    try {
      for (const open of candidates) {
        state.open = open;
        const built = buildDot(G, visibleIds(G));
        if (built.tooMany || built.count > MAX_FIRST) break;
        const text = await layout(built.dot, settings(built.count, built.edges));
        if (state.G !== G) break;
        const [w, h] = svgSize(toSvg(text));
        if (wholeScale(w, h) >= READABLE) return open;
      }
    } catch (err) {
      // the draw that follows says what went wrong
    }
    return opened;
  }

  // ---- search: an op by name, op type or source line ---------------------------------------
  function searchHits(G, query) {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const line = /^(?:line\s*)?(\d+)$/.exec(q);  // "12", "line 12": a line of the file
    const fileLine = line ? null : /^(.+):(\d+)$/.exec(q);  // "model.py:12"
    const scored = [];
    G.nodes.forEach((n, i) => {
      let score = -1;
      if (line) {
        if (sourceLines(n).includes(+line[1])) score = 0;
      } else if (fileLine) {
        if (n.src.some((t) => {
          const m = /^(.*):(\d+)(?: in .*)?$/.exec(t.toLowerCase());
          return m && m[2] === fileLine[2] && m[1].endsWith(fileLine[1]);
        })) score = 0;
      } else {
        const name = n.n.toLowerCase(), op = n.o.toLowerCase(), last = name.split("/").pop();
        if (op === q || name === q || last === q) score = 0;
        else if (op.includes(q)) score = 1;
        else if (last.includes(q)) score = 2;
        else if (name.includes(q)) score = 3;
        else if (n.src.some((t) => t.toLowerCase().includes(q))) score = 4;
      }
      // ops folded into the op they feed come after the others
      if (score >= 0) scored.push([score + (n.a !== undefined ? 5 : 0), i]);
    });
    return scored.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[1]);
  }

  function searchCount() {
    const s = state.search;
    $("search-count").textContent = !s.q.trim() ? "" : !s.hits.length ? "no match"
      : s.k < 0 ? s.hits.length + " found" : (s.k + 1) + " of " + s.hits.length;
  }

  function searchInput() {
    const q = $("search").value;
    state.search = { q, hits: state.G ? searchHits(state.G, q) : [], k: -1 };
    searchCount();
  }

  // the next (dir 1) or previous (-1) match: its scopes opened, centred and selected
  async function searchStep(dir) {
    if (!state.G) return;
    if (state.search.q !== $("search").value) searchInput();
    const s = state.search;
    if (!s.hits.length) return;
    s.k = s.k < 0 ? (dir > 0 ? 0 : s.hits.length - 1) : (s.k + dir + s.hits.length) % s.hits.length;
    searchCount();
    await select(s.hits[s.k], true, true);
  }

  // ---- functions and graphs ------------------------------------------------------------------
  function fillCode(pre, text) {
    pre.replaceChildren();
    pre.parentNode.classList.toggle("empty", !text);
    if (!text) return;  // no code: no (empty, numbered) line either
    text.replace(/\n$/, "").split("\n").forEach((line, k) => {
      const d = el("div", "line");
      d.append(el("span", "no", String(k + 1)), el("span", "tx", line));
      pre.append(d);
    });
  }

  async function switchGraph(fi, gi) {
    state.fn = fi;
    state.graph = gi;
    const fn = META.functions[fi];
    fillCode($("ag"), fn.autograph || "");
    $("ag-title").textContent = fn.autograph ? "AutoGraph code of " + fn.name : "no AutoGraph code for " + fn.name;
    showExplanation();
    const select = $("graph-select");
    select.value = fi + ":" + gi;
    state.sel = -1;
    state.hl = new Set();
    state.hlEdges = [];
    $("info").replaceChildren(el("p", "hint", "Click a node to see its attributes, inputs and outputs, and its line in the source. Click a scope (3-D box) to open it."));
    if (!fn.graphs.length) {
      state.G = null;
      state.svg = null;
      $("stage").replaceChildren(el("p", "hint", "This function has no drawing (its tracing failed)."));
      $("legend-body").replaceChildren();
      $("status").textContent = "no drawing";
      $("caption").replaceChildren();
      $("file-view").hidden = true;
      searchInput();
      fitButton(false);
      return;
    }
    state.G = null;  // the old drawing goes at once: its node ids mean nothing in the new one
    state.svg = null;
    $("stage").replaceChildren();
    $("status").textContent = "";
    const G = await loadGraph(fi, gi);
    if (state.fn !== fi || state.graph !== gi) return;  // another switch came after this one
    state.G = G;
    state.open = new Set(G.opened);
    state.broken = new Set();
    state.framed = new Set();
    message("");
    const caption = $("caption");
    caption.replaceChildren(el("div", "title", G.title));
    if (G.note) caption.append(el("div", "note", G.note));
    searchInput();
    $("status").textContent = "laying out…";
    const first = await firstView(G);
    if (state.G !== G) return;
    state.first = first;
    state.open = new Set(first);
    const closed = G.opened.filter((c) => !first.has(c)).length;
    $("file-view").hidden = !closed;
    if (await draw(null) === "ok" && closed) {
      $("status").textContent += " · bodies closed to fit: click one to open it";
    }
    if (G.start && state.G === G) {
      message(G.start);
      fitButton(!fit(false));  // below the message
    }
    const legend = ["digraph L {", '  graph [fontname="Helvetica", fontsize="10", ranksep="0.08", nodesep="0.2"];', G.header[2], G.header[3]]
      .concat(G.legend, ["}"]).join("\n");
    try { $("legend-body").replaceChildren(toSvg(await layout(legend))); } catch (err) { $("legend-body").textContent = err.message; }
  }

  function setup() {
    const selectBox = $("graph-select");
    META.functions.forEach((fn, fi) => {
      if (!fn.graphs.length) {
        const o = el("option", "", fn.name + " (no drawing)");
        o.value = fi + ":0";
        selectBox.append(o);
      }
      fn.graphs.forEach((g, gi) => {
        const o = el("option", "", g.title);
        o.value = fi + ":" + gi;
        selectBox.append(o);
      });
    });
    selectBox.addEventListener("change", () => {
      const [fi, gi] = selectBox.value.split(":").map(Number);
      api.busy = switchGraph(fi, gi);
    });
    fillCode($("src"), META.source_text);
    $("fit").addEventListener("click", () => {
      const all = $("fit").dataset.next === "all";
      fitButton(!fit(all));
    });
    const splitter = $("splitter");
    splitter.addEventListener("pointerdown", (ev) => {
      ev.preventDefault();
      splitter.setPointerCapture(ev.pointerId);
      const x0 = ev.clientX, w0 = $("side").getBoundingClientRect().width;
      const move = (e) => {
        const width = Math.min(Math.max(w0 + x0 - e.clientX, 240), window.innerWidth - 200);
        $("side").style.flexBasis = width + "px";
      };
      const up = () => {
        splitter.removeEventListener("pointermove", move);
        splitter.removeEventListener("pointerup", up);
      };
      splitter.addEventListener("pointermove", move);
      splitter.addEventListener("pointerup", up);
    });
    const view = (open) => {
      if (!state.G) return;
      state.open = new Set(open);
      state.broken = new Set();
      state.framed = new Set();
      api.busy = draw(null);
    };
    $("reset").addEventListener("click", () => view(state.first));
    $("file-view").addEventListener("click", () => state.G && view(state.G.opened));
    const search = $("search");
    search.addEventListener("input", searchInput);
    search.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter") return;
      ev.preventDefault();
      api.busy = searchStep(ev.shiftKey ? -1 : 1);
    });
    $("search-next").addEventListener("click", () => { api.busy = searchStep(1); });
    $("search-prev").addEventListener("click", () => { api.busy = searchStep(-1); });
    const canvas = $("canvas");
    let drag = null;
    canvas.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const r = canvas.getBoundingClientRect();
      const x = ev.clientX - r.left, y = ev.clientY - r.top;
      const f = Math.exp(-ev.deltaY * 0.0015);
      state.tx = x - (x - state.tx) * f;
      state.ty = y - (y - state.ty) * f;
      state.scale *= f;
      applyTransform();
    }, { passive: false });
    canvas.addEventListener("pointerdown", (ev) => {
      drag = { x: ev.clientX, y: ev.clientY, tx: state.tx, ty: state.ty, moved: false };
    });
    window.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
      if (drag.moved) { state.tx = drag.tx + dx; state.ty = drag.ty + dy; applyTransform(); }
    });
    window.addEventListener("pointerup", () => { setTimeout(() => { drag = null; }, 0); });
    canvas.addEventListener("click", (ev) => {
      if (drag && drag.moved) return;
      const g = ev.target.closest && ev.target.closest("g.node");
      const frame = !g && ev.target.closest && ev.target.closest("g.cluster");
      if (frame && frame.id[0] === "f" && ev.target.closest("text") && state.svg.contains(frame)) {
        api.busy = closeContainer(+frame.id.slice(1));  // a click on a frame's title closes it
        return;
      }
      if (!g || !state.G || !state.svg || !state.svg.contains(g)) return;
      ev.preventDefault();
      const id = g.id;
      const k = +id.slice(1);
      if (id[0] === "s") openContainer(k);
      else if (id[0] === "r") unfoldRun(k);
      else if (id[0] === "n") select(k, false);
    });
  }

  // `report.html#STEM:OP`: a drawing's box whose drill-down page was not written links here;
  // the drawing STEM (f, f.1) is shown with the op OP (a model node id) revealed and selected
  async function openFromHash() {
    let hash = "";
    try { hash = decodeURIComponent(location.hash.slice(1)); } catch (err) { return false; }
    const cut = hash.indexOf(":");
    if (cut < 0) return false;
    const stem = hash.slice(0, cut), op = hash.slice(cut + 1);
    for (let fi = 0; fi < META.functions.length; fi++) {
      const gi = META.functions[fi].graphs.findIndex((g) => g.stem === stem);
      if (gi < 0) continue;
      if (state.fn !== fi || state.graph !== gi || !state.G) await switchGraph(fi, gi);
      const i = state.G ? state.G.idIndex.get(op) : undefined;
      if (i !== undefined) await select(i, true, true);
      else message("The drawing " + stem + " has no op " + op + ".");
      return true;
    }
    return false;
  }

  async function main() {
    try {
      setup();
      // the file's first tf.function written by the user (report.py chose it), else the first drawn
      const chosen = META.functions[META.first];
      const fi = chosen && chosen.graphs.length ? META.first : Math.max(0, META.functions.findIndex((f) => f.graphs.length));
      if (!await openFromHash() && META.functions.length) await switchGraph(fi, 0);
      window.addEventListener("hashchange", () => { api.busy = openFromHash(); });
      timings.firstDraw = performance.now() - timings.start;
      document.body.dataset.ready = "1";
    } catch (err) {
      message("The report could not start: " + err.message);
      document.body.dataset.ready = "error";
      throw err;
    }
  }
  // for tests and the console: `busy` is the promise of the last switch or finding shown
  const api = { state, select, openContainer, closeContainer, showFinding, switchGraph,
    redraw: () => draw(null), layout, searchStep, busy: null };
  window.tfgReport = api;
  api.ready = api.busy = main();
})();
