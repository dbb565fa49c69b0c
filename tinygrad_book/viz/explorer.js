// The graph explorer's script (tinygrad_book/viz/explorer.py inlines this file).
// It reads the recorded backward pass from #tb-data, wires up Graphviz's SVG and
// replays the pass step by step. window.tbGraph is the page's API (tests, notebooks).
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("tb-data").textContent);
  const SVGNS = "http://www.w3.org/2000/svg";
  const V = window.TBValues;
  const num = V.num, shortValue = V.shortValue, plain = V.plain, valueBlock = V.valueBlock,
    section = V.section, noteBlock = V.noteBlock;
  const KINDS = new Set(["param", "input", "op", "tensor", "output"]);
  const byId = new Map(D.nodes.map(function (n) { return [n.id, n]; }));
  const total = D.steps.length;
  const uses = new Map();          // node id -> how many gradients flow into it in all
  D.steps.forEach(function (s) {
    s.flows.forEach(function (f) { uses.set(f.src, (uses.get(f.src) || 0) + 1); });
  });
  let done = 0;                    // steps done: 0 .. total
  let selected = null;
  let timer = null;
  let view = null;
  const views = {};

  // -- the SVG views ---------------------------------------------------------
  function initView(def) {
    const el = document.querySelector('.tb-view[data-view="' + def.key + '"]');
    const nodeEls = new Map();
    const edgeEls = new Map();
    el.querySelectorAll("g.node").forEach(function (g) {
      const m = /^n(\d+)$/.exec(g.querySelector("title").textContent);
      if (!m || !def.ids[+m[1]]) { g.classList.add("tb-legend"); return; }
      const id = def.ids[+m[1]];
      g.setAttribute("data-node-id", id);
      nodeEls.set(+m[1], g);
      g.addEventListener("click", function (ev) { ev.stopPropagation(); select(id); });
    });
    el.querySelectorAll("g.edge").forEach(function (g) {
      const m = /^n(\d+)->n(\d+)$/.exec(g.querySelector("title").textContent);
      if (!m) return;
      const key = m[1] + ">" + m[2];
      if (!edgeEls.has(key)) edgeEls.set(key, []);
      edgeEls.get(key).push(g);
    });
    return { def: def, el: el, nodeEls: nodeEls, edgeEls: edgeEls };
  }

  // The view vertex that stands for a node (a tensor hidden in a simplified view
  // is drawn as the edge leaving the op that made it).
  function vertexOf(v, id) {
    if (id in v.def.rep) return v.def.rep[id];
    const n = byId.get(id);
    return n && n.producer && n.producer in v.def.rep ? v.def.rep[n.producer] : null;
  }
  function elementOf(v, id) {
    const vi = vertexOf(v, id);
    return vi === null ? null : v.nodeEls.get(vi) || null;
  }

  function setView(key) {
    if (!views[key]) throw new Error("no view " + key);
    Object.keys(views).forEach(function (k) { views[k].el.hidden = k !== key; });
    view = views[key];
    document.getElementById("tb-view").value = key;
    render();
  }

  // -- the recorded pass -------------------------------------------------------
  function gradients(k) {
    const grad = new Map();
    const history = new Map();   // node id -> [{step, from, grad, total}]
    D.seed.forEach(function (s) { grad.set(s.id, s.grad); });
    for (let i = 0; i < k; i++) {
      D.steps[i].flows.forEach(function (f) {
        grad.set(f.src, f.total);
        if (!history.has(f.src)) history.set(f.src, []);
        history.get(f.src).push({ step: i + 1, from: f.dst, grad: f.grad, total: f.total });
      });
    }
    if (k === total) Object.keys(D.final).forEach(function (id) { grad.set(id, D.final[id]); });
    return { grad: grad, history: history };
  }

  function state() {
    const visited = D.steps.slice(0, done).map(function (s) { return s.op; });
    return { step: done, total: total, current: done ? D.steps[done - 1].op : null,
             visited: visited };
  }

  function step() { if (done < total) { done++; render(); } return state(); }
  function back() { if (done > 0) { done--; render(); } return state(); }
  function reset() { pause(); done = 0; render(); return state(); }
  function play() {
    if (timer) return;
    if (done === total) done = 0;
    timer = setInterval(function () { if (done >= total) pause(); else step(); }, 600);
    document.getElementById("tb-play").textContent = "pause";
  }
  function pause() {
    if (timer) clearInterval(timer);
    timer = null;
    document.getElementById("tb-play").textContent = "play";
  }

  // -- drawing the state -------------------------------------------------------
  function clearMarks(v) {
    v.el.querySelectorAll(".tb-current, .tb-visited, .tb-hasgrad, .tb-flow, .tb-selected")
      .forEach(function (e) {
        e.classList.remove("tb-current", "tb-visited", "tb-hasgrad", "tb-flow", "tb-selected");
      });
    v.el.querySelectorAll(".tb-gradlabel, .tb-badge").forEach(function (e) { e.remove(); });
  }

  function render() {
    const v = view;
    clearMarks(v);
    const g = gradients(done);
    for (let i = 0; i < done; i++) {
      const e = elementOf(v, D.steps[i].op);
      if (e) e.classList.add("tb-visited");
    }
    g.history.forEach(function (list, id) {
      const e = elementOf(v, id);
      const n = byId.get(id);
      if (!e || !n || (n.kind !== "param" && n.kind !== "input")) return;
      e.classList.add("tb-hasgrad");
      badge(e, "\u2207 " + list.length + "/" + uses.get(id));
    });
    const status = document.getElementById("tb-status");
    if (done) {
      const s = D.steps[done - 1];
      const e = elementOf(v, s.op);
      if (e) { e.classList.add("tb-current"); reveal(e); }
      s.flows.forEach(function (f) { markFlow(v, f); });
      const n = byId.get(s.op);
      status.textContent = "step " + done + ": " + s.name + (n && n.module_path ? " (module " + n.module_path + ")" : "") +
        " passes gradients to " + s.flows.length + " input" + (s.flows.length === 1 ? "" : "s");
    } else {
      status.textContent = total ? "Before backward: the output's gradient is 1. Press \u25B6 step." : "No ops to step through.";
    }
    if (selected) {
      const e = elementOf(v, selected);
      if (e) e.classList.add("tb-selected");
    }
    document.getElementById("tb-counter").textContent = "step " + done + " of " + total;
    if (selected) showPanel(selected, g);
  }

  // Scroll the graph (only it: scrollIntoView would also scroll a notebook around its iframe).
  function reveal(el) {
    const c = document.getElementById("tb-canvas");
    const r = el.getBoundingClientRect();
    const box = c.getBoundingClientRect();
    if (r.top < box.top || r.bottom > box.bottom) c.scrollTop += r.top - box.top - box.height / 3;
    if (r.left < box.left || r.right > box.right) c.scrollLeft += r.left - box.left - box.width / 3;
  }

  function markFlow(v, f) {
    const a = vertexOf(v, f.src);
    const b = vertexOf(v, f.dst);
    if (a === null || b === null) return;
    (v.edgeEls.get(a + ">" + b) || []).forEach(function (e) {
      e.classList.add("tb-flow");
      const path = e.querySelector("path");
      if (!path) return;
      // Nearer the input's end than the middle: edges meeting at one op stay apart there.
      const p = path.getPointAtLength(path.getTotalLength() * 0.35);
      const t = document.createElementNS(SVGNS, "text");
      t.setAttribute("class", "tb-gradlabel");
      t.setAttribute("x", p.x + 4);
      t.setAttribute("y", p.y);
      t.textContent = "\u2202 " + shortValue(f.grad);
      e.appendChild(t);
    });
  }

  function badge(nodeEl, text) {
    const box = nodeEl.getBBox();
    const t = document.createElementNS(SVGNS, "text");
    t.setAttribute("class", "tb-badge");
    // Above the node's right corner: a neighbour drawn later would cover it at the side.
    t.setAttribute("x", box.x + box.width);
    t.setAttribute("y", box.y - 3);
    t.setAttribute("text-anchor", "end");
    t.textContent = text;
    nodeEl.appendChild(t);
  }

  // -- the side panel ----------------------------------------------------------
  function showPanel(id, g) {
    const n = byId.get(id);
    const panel = document.getElementById("tb-panel");
    panel.textContent = "";
    if (!n) {   // a collapsed module
      const h = document.createElement("h2");
      h.textContent = id.replace(/^module:/, "module ");
      panel.appendChild(h);
      section(panel, "ops inside", D.nodes.filter(function (m) {
        return m.kind === "op" && m.module_path && (m.module_path + ".").indexOf(id.slice(7) + ".") === 0;
      }).map(function (m) { return m.op; }).join(", "));
      return;
    }
    const h = document.createElement("h2");
    h.textContent = n.label;
    const kind = document.createElement("span");
    kind.className = "tb-kind";
    kind.textContent = n.kind;
    h.appendChild(kind);
    panel.appendChild(h);
    const meta = [["id", n.id]];
    if (n.shape) meta.push(["shape", "(" + n.shape.join(", ") + ")"], ["dtype", n.dtype]);
    (n.outputs || []).forEach(function (o, i) {   // an op: the shape and dtype of each output
      meta.push(["output" + (n.outputs.length > 1 ? " " + i : ""), "(" + o[0].join(", ") + ") " + o[1]]);
    });
    if (n.module || n.module_path) meta.push(["module", n.module_path || n.module]);
    const table = document.createElement("table");
    meta.forEach(function (r) {
      const tr = table.insertRow();
      tr.insertCell().textContent = r[0];
      tr.insertCell().textContent = r[1];
      tr.cells[0].className = "key";
    });
    panel.appendChild(table);
    if (n.kind === "op") { opPanel(panel, n, g); return; }
    section(panel, "data", n.data ? valueBlock(n.data) : noteBlock("not kept by the graph (no op saved it)"));
    section(panel, "grad" + (done < total ? " (so far, step " + done + " of " + total + ")" : ""),
            valueBlock(g.grad.get(id)));
    const hist = g.history.get(id) || [];
    if (hist.length) {
      const list = document.createElement("ol");
      list.className = "tb-flowlist";
      hist.forEach(function (h) {
        const li = document.createElement("li");
        const from = byId.get(h.from);
        li.textContent = "step " + h.step + " from " + (from ? from.label : h.from) + ": \u2202 " +
          shortValue(h.grad) + (hist.length > 1 ? ", sum " + shortValue(h.total) : "");
        list.appendChild(li);
      });
      section(panel, "gradient arriving, use by use (" + hist.length + " of " + (uses.get(id) || 0) + ")", list);
    }
  }

  function opPanel(panel, n, g) {
    const attrs = Object.keys(n.attrs || {});
    if (attrs.length) section(panel, "attributes", attrs.map(function (k) { return k + "=" + n.attrs[k]; }).join("\n"));
    section(panel, "forward call site", n.site ? n.site :
      noteBlock("not recorded: run the forward pass inside tinygrad_book.detect_anomaly() to record it"));
    if (n.derivative) section(panel, "local derivative", n.derivative);
    const idx = D.steps.findIndex(function (s) { return s.op === n.id; });
    if (idx < 0 || idx >= done) {
      section(panel, "backward", noteBlock(idx < 0 ? "no gradient reached this op" :
        "runs at step " + (idx + 1) + " of " + total));
      return;
    }
    const s = D.steps[idx];
    s.grads_out.forEach(function (val, i) {
      section(panel, "gradient of its output" + (s.grads_out.length > 1 ? " " + i : "") + " (step " + (idx + 1) + ")", valueBlock(val));
    });
    s.flows.forEach(function (f) {
      const src = byId.get(f.src);
      section(panel, "passed to " + (src ? src.label : f.src), valueBlock(f.grad));
    });
  }

  function select(id) {
    if (!byId.has(id) && String(id).indexOf("module:") !== 0) throw new Error("no node " + id);
    selected = id;
    render();
    return details(id);
  }

  function details(id) {
    const n = byId.get(id);
    if (!n) return null;
    const grad = gradients(done).grad.get(id);
    return { id: id, kind: n.kind, label: n.label, shape: n.shape, dtype: n.dtype,
             data: plain(n.data), grad: plain(grad === undefined ? null : grad) };
  }

  // -- search and controls -----------------------------------------------------
  function search(query) {
    const q = query.trim().toLowerCase();
    Object.keys(views).forEach(function (k) {
      views[k].el.querySelectorAll(".tb-match").forEach(function (e) { e.classList.remove("tb-match"); });
    });
    if (!q) { document.getElementById("tb-found").textContent = ""; return []; }
    const found = D.nodes.filter(function (n) {
      return [n.label, n.op, n.module_path, n.module, n.id].some(function (s) {
        return s && String(s).toLowerCase().indexOf(q) >= 0;
      });
    }).map(function (n) { return n.id; });
    found.forEach(function (id) { const e = elementOf(view, id); if (e) e.classList.add("tb-match"); });
    document.getElementById("tb-found").textContent = found.length + " found";
    return found;
  }

  function wire() {
    document.getElementById("tb-step").onclick = step;
    document.getElementById("tb-back").onclick = back;
    document.getElementById("tb-reset").onclick = reset;
    document.getElementById("tb-play").onclick = function () { if (timer) pause(); else play(); };
    document.getElementById("tb-zoom").onclick = function (ev) {
      const fit = document.getElementById("tb-canvas").classList.toggle("tb-fit");
      ev.target.textContent = fit ? "full size" : "fit";
    };
    document.getElementById("tb-view").onchange = function (ev) { setView(ev.target.value); };
    const box = document.getElementById("tb-search");
    box.oninput = function () { search(box.value); };
    box.onkeydown = function (ev) {
      if (ev.key !== "Enter") return;
      const found = search(box.value);
      if (found.length) { select(found[0]); const e = elementOf(view, found[0]); if (e) reveal(e); }
    };
    document.addEventListener("keydown", function (ev) {
      if (ev.target.tagName === "INPUT" || ev.target.tagName === "SELECT") return;
      const act = { ArrowRight: step, ArrowLeft: back, Home: reset,
                    " ": function () { if (timer) pause(); else play(); } }[ev.key];
      if (act) { ev.preventDefault(); act(); }
    });
  }

  D.views.forEach(function (def) { views[def.key] = initView(def); });
  wire();
  setView(D.start);
  window.tbGraph = {
    nodes: function () {
      return D.nodes.filter(function (n) { return KINDS.has(n.kind); })
        .map(function (n) { return { id: n.id, kind: n.kind, label: n.label }; });
    },
    select: select, details: details, step: step, back: back, reset: reset, play: play,
    pause: pause, state: state, search: search, setView: setView,
    view: function () { return view.def.key; },
    views: function () { return D.views.map(function (d) { return d.key; }); },
    order: function () { return D.steps.map(function (s) { return s.op; }); }
  };
})();
