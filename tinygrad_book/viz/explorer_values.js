// Numbers for the explorer's panel: tensors as tables, or statistics and a histogram.
// (tinygrad_book/viz/explorer.py inlines this file before explorer.js.)
window.TBValues = (function () {
  "use strict";
  const SVGNS = "http://www.w3.org/2000/svg";

  function num(x) { return typeof x === "number" ? Number(x.toPrecision(4)).toString() : String(x); }
  function shortValue(val) {
    if (val.values !== undefined && val.shape.length === 0) return num(val.values);
    return "(" + val.shape.join(", ") + (val.shape.length === 1 ? ",)" : ")");
  }
  function plain(val) {
    if (val === null || val === undefined) return null;
    return val.values !== undefined ? val.values : { stats: val.stats, hist: val.hist || null };
  }

  function valueBlock(val) {
    const box = document.createElement("div");
    if (val === null || val === undefined) {
      box.innerHTML = '<span class="tb-none">not known</span>';
      return box;
    }
    if (val.values !== undefined) {
      const rows = val.shape.length === 0 ? [[val.values]] : val.shape.length === 1 ? chunks(val.values, 8)
        : val.shape.length === 2 && val.shape[1] <= 10 ? val.values : null;   // else wrapped text
      if (rows) {
        const table = document.createElement("table");
        rows.forEach(function (r) {
          const tr = table.insertRow();
          r.forEach(function (x) { tr.insertCell().textContent = num(x); });
        });
        box.appendChild(table);
      } else {
        const pre = document.createElement("pre");
        pre.textContent = JSON.stringify(val.values, function (k, x) { return typeof x === "number" ? Number(x.toPrecision(4)) : x; });
        box.appendChild(pre);
      }
      return box;
    }
    const s = val.stats;
    const pre = document.createElement("pre");
    pre.textContent = s.size + " values  min " + num(s.min) + "  max " + num(s.max) + "\nmean " +
      num(s.mean) + "  std " + num(s.std) + (s.nonfinite ? "\nNaN/Inf: " + s.nonfinite : "");
    box.appendChild(pre);
    if (val.hist) box.appendChild(histogram(val.hist));
    return box;
  }

  // A long vector wraps: rows of n values, read left to right, top to bottom.
  function chunks(list, n) {
    const rows = [];
    for (let i = 0; i < list.length; i += n) rows.push(list.slice(i, i + n));
    return rows;
  }

  function histogram(h) {
    const w = 320, hgt = 60, n = h.counts.length, top = Math.max.apply(null, h.counts) || 1;
    const svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("class", "tb-hist");
    svg.setAttribute("width", w);
    svg.setAttribute("height", hgt + 12);
    h.counts.forEach(function (c, i) {
      const r = document.createElementNS(SVGNS, "rect");
      const bh = c / top * hgt;
      r.setAttribute("x", i * w / n);
      r.setAttribute("y", hgt - bh);
      r.setAttribute("width", w / n - 1);
      r.setAttribute("height", bh);
      svg.appendChild(r);
    });
    [[0, "start", h.lo], [w, "end", h.hi]].forEach(function (a) {
      const t = document.createElementNS(SVGNS, "text");
      t.setAttribute("x", a[0]);
      t.setAttribute("y", hgt + 10);
      t.setAttribute("text-anchor", a[1]);
      t.textContent = num(a[2]);
      svg.appendChild(t);
    });
    return svg;
  }


  function section(panel, title, content) {
    const h = document.createElement("h3");
    h.textContent = title;
    panel.appendChild(h);
    if (typeof content === "string") {
      const pre = document.createElement("pre");
      pre.textContent = content;
      panel.appendChild(pre);
    } else {
      panel.appendChild(content);
    }
  }


  function noteBlock(text) {
    const s = document.createElement("span");
    s.className = "tb-none";
    s.textContent = text;
    return s;
  }


  return { num: num, shortValue: shortValue, plain: plain, valueBlock: valueBlock,
           section: section, noteBlock: noteBlock };
})();
