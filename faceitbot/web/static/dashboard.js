// The dashboard's only script: refreshes the overview in place and draws the small SVG charts.
// No library, no build step; every page reads fine without it.
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var REFRESH_MS = 2000;

  function el(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function sparkline(svg) {
    var values = (svg.getAttribute("data-points") || "").split(",").filter(Boolean).map(Number);
    var w = Number(svg.getAttribute("width")), h = Number(svg.getAttribute("height"));
    var top = Math.max.apply(null, values.concat([1]));
    var step = values.length > 1 ? w / (values.length - 1) : w;
    var points = values.map(function (v, i) {
      return (i * step).toFixed(1) + "," + (h - 2 - (v / top) * (h - 4)).toFixed(1);
    });
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.appendChild(el("polyline", { points: points.join(" "), "class": "line" }));
  }

  function bars(title, days, values) {
    var w = 720, h = 160, pad = 24;
    var top = Math.max.apply(null, values.concat([1]));
    var slot = (w - pad) / Math.max(values.length, 1);
    var svg = el("svg", { width: w, height: h + pad, role: "img", "class": "bars" });
    var caption = el("text", { x: 0, y: 14, "class": "title" });
    caption.textContent = title + " · max " + top;
    svg.appendChild(caption);
    values.forEach(function (v, i) {
      var bh = (v / top) * (h - pad);
      var bar = el("rect", { x: pad + i * slot + 1, y: h - bh, width: Math.max(slot - 2, 1), height: bh });
      var tip = el("title", {});
      tip.textContent = days[i] + ": " + v;
      bar.appendChild(tip);
      svg.appendChild(bar);
    });
    return svg;
  }

  function drawCharts() {
    var box = document.getElementById("charts"), source = document.getElementById("chart-data");
    if (!box || !source) return;
    var data = JSON.parse(source.textContent), labels = JSON.parse(box.getAttribute("data-labels"));
    ["dau", "analyses", "stars"].forEach(function (key) {
      var figure = bars(labels[key], data.days, data[key]);
      figure.setAttribute("id", "chart-" + key);
      box.appendChild(figure);
    });
  }

  function refresh(live) {
    fetch(live.getAttribute("data-refresh"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        live.innerHTML = html;
        live.querySelectorAll("svg.spark").forEach(sparkline);
        live.classList.remove("stale");
      })
      .catch(function () { live.classList.add("stale"); })
      .finally(function () { setTimeout(function () { refresh(live); }, REFRESH_MS); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("svg.spark").forEach(sparkline);
    drawCharts();
    var live = document.getElementById("live");
    if (live) setTimeout(function () { refresh(live); }, REFRESH_MS);
  });
})();
