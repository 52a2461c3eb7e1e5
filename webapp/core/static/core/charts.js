// Charts drawn from specs (webapp/core/charts.py) with the vendored Chart.js.
//
// A chart is a <figure data-chart> from templates/core/chart.html. Its spec is either in a
// <script type="application/json"> (Django's json_script: data, which the
// Content-Security-Policy allows) named by data-chart-spec, or at the URL in data-chart-src.
// Chart.js itself (webapp/core/static/vendor/chartjs) is loaded on the first chart a page
// shows, from data-chart-lib, so pages without charts never fetch it.
//
// Live charts: a spec with poll_url asks `poll_url?after=<last step it has>` every `interval`
// seconds and appends what comes back, until the answer says finished. Charts with the same
// poll_url share one request loop, and a chart is set up once however often htmx re-processes
// the page, so a view is never polled twice over.
//
// For tests and scripts, the figure carries data-state (loading, static, live, finished,
// error), data-points (points drawn, over all series), data-last-x and data-polls.
//
// Views: a <form data-chart-controls> (templates/core/chart_controls.html) sets how the
// charts in its scope are drawn: EMA smoothing (the raw curve stays, faint), a log y scale,
// and x as each series' x_alt (wall time). Drawing only: every dataset keeps its raw points
// (ds.raw), which the data table, the CSV and polling read. The figure says its view in
// data-ema, data-log, data-x and data-series (series drawn).
(function () {
  "use strict";

  var library = null;  // one Promise for the library, however many charts ask
  var groups = {};     // poll_url -> {charts, interval, timer, busy, failures, done}
  var number = new Intl.NumberFormat(undefined, {maximumSignificantDigits: 4});
  var TABLE_ROWS = 1000;  // rows the data table shows; the CSV always has every point

  function loadLibrary(url) {
    if (window.Chart) return Promise.resolve(window.Chart);
    if (!library) {
      library = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = url;
        s.addEventListener("load", function () {
          if (window.Chart) resolve(window.Chart); else reject(new Error("Chart.js did not define Chart"));
        });
        s.addEventListener("error", function () {
          library = null;
          reject(new Error("could not load " + url));
        });
        document.head.appendChild(s);
      });
    }
    return library;
  }

  function fmt(v) {
    if (v === null || v === undefined || typeof v !== "number") return v === null || v === undefined ? "" : String(v);
    // 2e-5 rather than 0.00002 or 2.00e-5 (figures.py writes ticks the same way).
    if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) return v.toExponential(2).replace(/\.?0+e/, "e");
    return number.format(v);
  }

  // A log axis gets a tick at every 1..9 × 10^n (and more on a short range); past 8 of them,
  // only 1, 2, 3 and 5 × 10^n are labelled, as matplotlib's exports do, or, when fewer than
  // three of those are on the axis, every few ticks. The grid keeps every line.
  function nice(v) {
    var mantissa = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    return [1, 2, 3, 5].some(function (m) { return Math.abs(mantissa - m) < 1e-6; });
  }

  function logTick(v, index, ticks) {
    if (ticks.length <= 8 || v <= 0) return fmt(v);
    var nices = ticks.filter(function (t) { return t.value > 0 && nice(t.value); }).length;
    if (nices >= 3) return nice(v) ? fmt(v) : "";
    return index % Math.ceil(ticks.length / 5) === 0 || index === ticks.length - 1 ? fmt(v) : "";
  }

  function withAlpha(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + ((n >> 16) & 255) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function cssVar(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }

  // --- building Chart.js datasets from a spec -------------------------------------------------

  function points(s) {
    var out = [];
    for (var i = 0; i < s.x.length; i++) {
      var p = {x: s.x[i], y: s.y[i]};
      if (s.low) { p.low = s.low[i]; p.high = s.high[i]; }
      if (s.x_alt) p.t = s.x_alt[i];
      out.push(p);
    }
    return out;
  }

  function bandPoints(s, which) {
    var out = [];
    for (var i = 0; i < s.x.length; i++) out.push({x: s.x[i], y: s[which][i]});
    return out;
  }

  var POINT_STYLES = ["circle", "triangle", "rect", "rectRot", "crossRot", "star", "rectRounded", "cross"];

  function mainDataset(spec, s, index) {
    var kind = spec.kind;
    var line = kind !== "bar";
    var raw = points(s);
    var ds = {
      key: s.key,
      label: s.label,
      data: raw,
      raw: raw,
      yAxisID: s.axis ? "y1" : "y",
      borderColor: s.colour,
      backgroundColor: line ? s.colour : withAlpha(s.colour, 0.75),
      pointStyle: POINT_STYLES[index % POINT_STYLES.length],
      order: 0
    };
    if (line) {
      var sparse = kind === "factor" || s.x.length <= 40;
      ds.borderWidth = 2;
      ds.pointRadius = sparse ? (kind === "factor" ? 4 : 2.5) : 0;
      ds.pointHoverRadius = 5;
      ds.tension = 0;
      ds.spanGaps = false;
      // A series on the second y-axis is dashed, so which axis it reads from is visible
      // without colour.
      if (s.axis) ds.borderDash = [6, 4];
    } else {
      ds.borderWidth = 1;
      ds.maxBarThickness = 48;
    }
    // Whiskers on bars are dark (a bar's own colour would hide the part inside it); on
    // points they keep the series' colour.
    if (s.low && (kind === "bar" || spec.intervals === "whiskers")) ds.whiskers = line ? s.colour : cssVar("--fg", "#1d2430");
    // Stacked areas: each series filled down to the one below it (the first to zero).
    if (spec.stacked) {
      ds.fill = index ? "-1" : "origin";
      ds.backgroundColor = withAlpha(s.colour, 0.35);
    }
    return ds;
  }

  // A shaded interval: a line at `low` and one at `high` filled between, drawn under the
  // series, left out of the legend, the tooltip, the table and the point count.
  function bandDatasets(s, mainIndex, lowIndex) {
    var common = {
      yAxisID: s.axis ? "y1" : "y", borderWidth: 0, pointRadius: 0, pointHoverRadius: 0,
      borderColor: "transparent", bandOf: mainIndex, order: 1, key: s.key
    };
    return [
      Object.assign({label: s.label + " (low)", band: "low", data: bandPoints(s, "low"), fill: false}, common),
      Object.assign({label: s.label + " (high)", band: "high", data: bandPoints(s, "high"),
        fill: {target: lowIndex}, backgroundColor: withAlpha(s.colour, 0.18)}, common)
    ];
  }

  function addSeries(spec, datasets, s) {
    var mainIndex = datasets.length;
    var main = mainDataset(spec, s, datasets.filter(function (d) { return !d.band; }).length);
    datasets.push(main);
    if (s.low && spec.kind !== "bar" && spec.intervals === "band") {
      bandDatasets(s, mainIndex, mainIndex + 1).forEach(function (d) { datasets.push(d); });
    }
    return main;
  }

  // Vertical interval lines with caps (bars, and factor charts with intervals: "whiskers").
  var whiskerPlugin = {
    id: "atomlabWhiskers",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.data.datasets.forEach(function (ds, i) {
        if (!ds.whiskers || !chart.isDatasetVisible(i)) return;
        var meta = chart.getDatasetMeta(i);
        var scale = chart.scales[meta.yAxisID];
        ctx.save();
        ctx.strokeStyle = ds.whiskers;
        ctx.lineWidth = 1.5;
        meta.data.forEach(function (el, j) {
          var p = ds.data[j];
          if (!p || p.low === null || p.low === undefined || p.high === null || p.high === undefined) return;
          var top = scale.getPixelForValue(p.high), bottom = scale.getPixelForValue(p.low);
          var cap = el.width ? Math.min(el.width * 0.25, 8) : 5;
          ctx.beginPath();
          ctx.moveTo(el.x, top); ctx.lineTo(el.x, bottom);
          ctx.moveTo(el.x - cap, top); ctx.lineTo(el.x + cap, top);
          ctx.moveTo(el.x - cap, bottom); ctx.lineTo(el.x + cap, bottom);
          ctx.stroke();
        });
        ctx.restore();
      });
    }
  };

  function options(spec, Chart) {
    var fg = cssVar("--fg", "#1d2430"), muted = cssVar("--muted", "#5f6b7a");
    var grid = "#e6eaf0";
    var scales = {};
    scales.x = spec.kind === "bar"
      ? {type: "category", labels: spec.categories, grid: {display: false}}
      // The axis ends at the last point, not at the next round number (a live run's curve
      // reaches the right edge).
      : {type: spec.x.log ? "logarithmic" : "linear", bounds: "data", grid: {color: grid}};
    scales.x.title = {display: !!spec.x.title, text: spec.x.title, color: muted};
    scales.x.ticks = {color: muted};
    if (spec.kind === "line") scales.x.ticks.precision = 0;  // steps are whole numbers
    if (spec.x.integer) {
      // k of pass@k: a tick at each k measured, none at 1.1, 1.2 … (a log axis makes those).
      scales.x.afterBuildTicks = function (axis) {
        var seen = {};
        spec.series.forEach(function (s) {
          s.x.forEach(function (x) { if (typeof x === "number" && Math.round(x) === x) seen[x] = true; });
        });
        var ticks = Object.keys(seen).map(Number).sort(function (a, b) { return a - b; });
        if (ticks.length) axis.ticks = ticks.map(function (v) { return {value: v}; });
      };
      scales.x.ticks.callback = function (v) { return fmt(v); };
    }
    spec.y_axes.forEach(function (a, i) {
      var id = i ? "y1" : "y";
      scales[id] = {
        type: a.log ? "logarithmic" : "linear",
        position: i ? "right" : "left",
        title: {display: !!a.title, text: a.title, color: muted},
        ticks: {color: muted, callback: a.log ? logTick : function (v) { return fmt(v); }},
        grid: {color: grid, drawOnChartArea: i === 0}
      };
      if (a.min !== null) scales[id].min = a.min;
      if (a.max !== null) scales[id].max = a.max;
      if (spec.kind === "bar" && a.min === null) scales[id].beginAtZero = true;
      if (spec.stacked && i === 0) { scales[id].stacked = true; scales[id].beginAtZero = true; }
    });
    var xTitle = spec.x.title || "x";
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      color: fg,
      interaction: spec.kind === "bar" ? {mode: "nearest", intersect: true}
        : {mode: "nearest", axis: "x", intersect: false},
      scales: scales,
      plugins: {
        filler: {drawTime: "beforeDatasetsDraw"},
        legend: {
          display: spec.series.length > 1 || spec.kind !== "line",
          position: "top",
          align: "start",
          labels: {
            usePointStyle: spec.kind !== "bar", boxWidth: spec.kind === "bar" ? 12 : 8, boxHeight: 8, color: fg,
            filter: function (item, data) { var d = data.datasets[item.datasetIndex]; return !d.band && !d.shadow; },
            // Line charts show each series' line (dashed on the right axis) and say which
            // axis it reads from when there are two, so nothing depends on colour alone.
            generateLabels: function (chart) {
              var items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
              items.forEach(function (item) {
                var ds = chart.data.datasets[item.datasetIndex];
                if (spec.kind !== "line") return;
                item.pointStyle = "line";
                item.lineWidth = 2;
                if (spec.y_axes.length > 1) item.text += ds.yAxisID === "y1" ? " (right axis)" : " (left axis)";
              });
              return items;
            }
          },
          onClick: function (e, item, legend) {
            var chart = legend.chart, i = item.datasetIndex;
            var visible = !chart.isDatasetVisible(i);
            chart.setDatasetVisibility(i, visible);
            chart.data.datasets.forEach(function (d, j) { if (d.bandOf === i || d.shadowOf === i) chart.setDatasetVisibility(j, visible); });
            chart.update("none");
          }
        },
        tooltip: {
          filter: function (item) { return !item.dataset.band && !item.dataset.shadow; },
          callbacks: {
            title: function (items) {
              if (!items.length) return "";
              return spec.kind === "bar" ? items[0].label : xTitle + " " + fmt(items[0].raw.x);
            },
            label: function (item) {
              var p = item.raw, text = item.dataset.label + ": " + fmt(p.y);
              if (p.low !== undefined && p.low !== null) text += "  [" + fmt(p.low) + ", " + fmt(p.high) + "]";
              return text;
            }
          }
        }
      }
    };
  }

  // --- one chart on the page ------------------------------------------------------------------

  function Figure(el, spec, Chart) {
    this.el = el;
    this.spec = spec;
    var datasets = [];
    spec.series.forEach(function (s) { addSeries(spec, datasets, s); });
    this.chart = new Chart(el.querySelector("canvas"), {
      type: spec.kind === "bar" ? "bar" : "line",
      data: {datasets: datasets},
      options: options(spec, Chart),
      plugins: [whiskerPlugin]
    });
    el.__chartFigure = this;
    if (!el.querySelector(".chart-title").textContent.trim()) el.querySelector(".chart-title").textContent = spec.title;
    el.querySelector(".chart-tools").hidden = false;
    this.polls = 0;
    this.describe();
  }

  Figure.prototype.mainDatasets = function () {
    return this.chart.data.datasets.filter(function (d) { return !d.band && !d.shadow; });
  };

  Figure.prototype.lastX = function () {
    var last = null;
    this.mainDatasets().forEach(function (d) {
      var p = d.raw[d.raw.length - 1];
      if (p && typeof p.x === "number" && (last === null || p.x > last)) last = p.x;
    });
    return last;
  };

  Figure.prototype.describe = function () {
    var count = 0;
    this.mainDatasets().forEach(function (d) { count += d.raw.length; });
    this.el.setAttribute("data-points", String(count));
    var view = this.view || NO_VIEW;
    this.el.setAttribute("data-ema", String(view.ema));
    this.el.setAttribute("data-log", String(view.log));
    this.el.setAttribute("data-x", view.alt ? "alt" : "step");
    this.el.setAttribute("data-series", String(this.mainDatasets().length));
    var last = this.lastX();
    this.el.setAttribute("data-last-x", last === null ? "" : String(last));
    this.el.setAttribute("data-polls", String(this.polls || 0));
    if (this.el.querySelector(".chart-data").open) this.fillTable();
  };

  Figure.prototype.setState = function (state, text) {
    this.el.setAttribute("data-state", state);
    this.el.querySelector(".chart-status").textContent = text || "";
  };

  // Appends the points of a poll answer that come after what each series has.
  Figure.prototype.append = function (update) {
    var self = this, datasets = this.chart.data.datasets;
    (update.series || []).forEach(function (s) {
      var main = null;
      datasets.forEach(function (d) { if (!d.band && d.key === s.key) main = d; });
      if (!main) {  // a series the page did not have yet (a metric first logged now)
        self.spec.series.push(s);
        addSeries(self.spec, datasets, s);
        self.chart.options.plugins.legend.display = self.mainDatasets().length > 1;
        return;
      }
      var tail = main.raw.length ? main.raw[main.raw.length - 1].x : null;
      var index = datasets.indexOf(main);
      points(s).forEach(function (p) {
        if (tail !== null && !(p.x > tail)) return;
        main.raw.push(p);
        if (!self.view) datasets.forEach(function (d) { if (d.bandOf === index) d.data.push({x: p.x, y: p[d.band]}); });
      });
    });
    if (this.view) this.applyView(this.view); else this.chart.update("none");
    this.describe();
  };

  Figure.prototype.destroy = function () {
    if (!this.chart) return;
    this.chart.destroy();
    this.chart = null;
    this.el.__chartFigure = null;
  };

  // --- views: smoothing, log scale, wall time ---------------------------------------------------

  var NO_VIEW = {ema: 0, log: false, alt: false};

  // x of a raw point in the view (null: the point has no wall time and is not drawn there).
  function viewX(p, view) { return view.alt ? (p.t === undefined ? null : p.t) : p.x; }

  function inView(raw, view) {
    var out = [];
    raw.forEach(function (p) {
      var x = viewX(p, view);
      if (x !== null) out.push(Object.assign({}, p, {x: x, step: p.x}));
    });
    return out;
  }

  // Exponential moving average, debiased at the start (as Weights & Biases draws it); a gap
  // (null) stays a gap and does not move the average.
  function smooth(pts, alpha) {
    var avg = 0, weight = 0;
    return pts.map(function (p) {
      if (p.y === null || p.y === undefined) return Object.assign({}, p);
      avg = alpha * avg + (1 - alpha) * p.y;
      weight = alpha * weight + (1 - alpha);
      return Object.assign({}, p, {y: avg / weight, rawY: p.y});
    });
  }

  Figure.prototype.applyView = function (view) {
    var chart = this.chart, spec = this.spec, self = this;
    if (!chart || spec.kind !== "line") return;
    var plain = !view.ema && !view.log && !view.alt;
    this.view = plain ? null : view;
    var datasets = chart.data.datasets.filter(function (d) { return !d.shadow; });
    var mains = datasets.filter(function (d) { return !d.band; });
    var out = [];
    datasets.forEach(function (d) {
      if (d.band) {
        var main = chart.data.datasets[d.bandOf];
        d.data = inView(main.raw, view).map(function (p) { return {x: p.x, y: p[d.band]}; });
        return;
      }
      var pts = inView(d.raw, view);
      d.data = plain ? d.raw : (view.ema ? smooth(pts, view.ema) : pts);
    });
    // Bands point at their main dataset by index: keep mains and bands in place, shadows last.
    datasets.forEach(function (d) { out.push(d); });
    if (view.ema) {
      mains.forEach(function (d) {
        out.push({
          shadow: true, shadowOf: out.indexOf(d), key: d.key, label: d.label + " (raw)", yAxisID: d.yAxisID,
          data: inView(d.raw, view), borderColor: withAlpha(d.borderColor, 0.25), backgroundColor: "transparent",
          borderWidth: 1, pointRadius: 0, pointHoverRadius: 0, order: 2, spanGaps: false, borderDash: d.borderDash
        });
      });
    }
    chart.data.datasets = out;
    var scales = chart.options.scales;
    scales.x.title.text = view.alt && spec.x_alt ? spec.x_alt.title : spec.x.title;
    scales.x.ticks.precision = view.alt ? undefined : 0;
    // Wall time starts at the run's first event: from 0, so the ticks fall on round minutes.
    if (!("stepMin" in this)) this.stepMin = scales.x.min;
    scales.x.min = view.alt ? 0 : this.stepMin;
    scales.x.ticks.callback = view.alt ? function (v) { return fmt(v); } : undefined;
    spec.y_axes.forEach(function (a, i) {
      var sc = scales[i ? "y1" : "y"];
      var log = view.log || a.log;
      sc.type = log ? "logarithmic" : "linear";
      sc.ticks.callback = log ? logTick : function (v) { return fmt(v); };
      sc.min = log && a.min !== null && a.min <= 0 ? undefined : (a.min === null ? undefined : a.min);
      sc.max = a.max === null ? undefined : a.max;
    });
    chart.update("none");
    self.describe();
  };

  function readControls(form) {
    var ema = parseFloat(form.elements.ema ? form.elements.ema.value : "0") || 0;
    var x = form.querySelector("input[name=x]:checked");
    return {ema: Math.min(Math.max(ema, 0), 0.99), log: !!(form.elements.log && form.elements.log.checked),
      alt: !!(x && x.value === "alt")};
  }

  function controlled(form) {
    var scope = form.getAttribute("data-scope");
    var root = scope ? document.querySelector(scope) : document;
    return root ? root.querySelectorAll("[data-chart]") : [];
  }

  function applyControls(form) {
    var view = readControls(form);
    var out = form.querySelector("output");
    if (out) out.textContent = view.ema ? view.ema.toFixed(2) : "0 (raw)";
    controlled(form).forEach(function (el) { if (el.__chartFigure) el.__chartFigure.applyView(view); });
  }

  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var form = e.target.closest && e.target.closest("[data-chart-controls]");
      if (form) applyControls(form);
    });
  });
  document.addEventListener("submit", function (e) {
    if (e.target.matches && e.target.matches("[data-chart-controls]")) e.preventDefault();
  });

  // A chart drawn after its controls were moved takes their view.
  function controlsFor(el) {
    var found = null;
    document.querySelectorAll("[data-chart-controls]").forEach(function (form) {
      Array.prototype.forEach.call(controlled(form), function (c) { if (c === el) found = form; });
    });
    return found;
  }

  // --- data table and CSV ---------------------------------------------------------------------

  function csvField(v) {
    var s = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  // Long form, the same as ChartSpec.to_csv on the server: series, x, y, low, high.
  Figure.prototype.csv = function () {
    var alt = this.spec.x_alt ? [this.spec.x_alt.title] : [];
    var lines = [["series", this.spec.x.title || "x", "y", "low", "high"].concat(alt).map(csvField).join(",")];
    this.mainDatasets().forEach(function (d) {
      d.raw.forEach(function (p) {
        lines.push([d.label, p.x, p.y, p.low, p.high].concat(alt.length ? [p.t] : []).map(csvField).join(","));
      });
    });
    return lines.join("\n") + "\n";
  };

  // Wide form for reading: one row per x, one column per series.
  Figure.prototype.fillTable = function () {
    var mains = this.mainDatasets(), rows = {}, order = [];
    mains.forEach(function (d, col) {
      d.raw.forEach(function (p) {
        var k = String(p.x);
        if (!rows[k]) { rows[k] = {x: p.x, cells: []}; order.push(k); }
        var text = fmt(p.y);
        if (p.low !== undefined && p.low !== null) text += " [" + fmt(p.low) + ", " + fmt(p.high) + "]";
        rows[k].cells[col] = text;
      });
    });
    if (this.spec.kind !== "bar") order.sort(function (a, b) { return rows[a].x - rows[b].x; });
    var table = document.createElement("table");
    table.className = "table compact";
    var caption = document.createElement("caption");
    caption.className = "sr-only";
    caption.textContent = this.spec.title;
    table.appendChild(caption);
    var head = table.createTHead().insertRow();
    [this.spec.x.title || "x"].concat(mains.map(function (d) { return d.label; })).forEach(function (t, i) {
      var th = document.createElement("th");
      th.textContent = t;
      th.scope = "col";
      if (i) th.className = "num";
      head.appendChild(th);
    });
    var body = table.createTBody();
    order.slice(0, TABLE_ROWS).forEach(function (k) {
      var tr = body.insertRow();
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = fmt(rows[k].x);
      tr.appendChild(th);
      mains.forEach(function (d, col) {
        var td = tr.insertCell();
        td.className = "num";
        td.textContent = rows[k].cells[col] || "";
      });
    });
    var wrap = this.el.querySelector(".chart-data .table-wrap");
    wrap.replaceChildren(table);
    if (order.length > TABLE_ROWS) {
      var note = document.createElement("p");
      note.className = "muted";
      note.textContent = "The first " + TABLE_ROWS + " of " + order.length + " rows; the CSV has all of them.";
      wrap.appendChild(note);
    }
  };

  document.addEventListener("toggle", function (e) {
    var fig = e.target.closest && e.target.closest("[data-chart]");
    if (fig && fig.__chartFigure && e.target.open) fig.__chartFigure.fillTable();
  }, true);

  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest(".chart-csv");
    if (!link) return;
    var fig = link.closest("[data-chart]").__chartFigure;
    if (!fig) { e.preventDefault(); return; }
    if (fig.spec.csv_url) { link.href = fig.spec.csv_url; return; }  // every point, from the server
    // The link's own default action (download) follows with this href.
    var url = URL.createObjectURL(new Blob([fig.csv()], {type: "text/csv"}));
    link.href = url;
    setTimeout(function () { URL.revokeObjectURL(url); link.href = "#"; }, 10000);
  });

  // --- polling --------------------------------------------------------------------------------

  function pollUrl(base, after) {
    if (after === null) return base;
    return base + (base.indexOf("?") < 0 ? "?" : "&") + "after=" + encodeURIComponent(after);
  }

  function schedule(group, seconds) {
    if (group.done || group.timer || group.busy) return;
    group.timer = setTimeout(function () { group.timer = null; tick(group); }, seconds * 1000);
  }

  function tick(group) {
    group.charts = group.charts.filter(function (f) {
      if (f.chart && f.el.isConnected) return true;
      f.destroy();
      return false;
    });
    if (!group.charts.length) { delete groups[group.url]; return; }
    var after = null;
    group.charts.forEach(function (f) {
      var last = f.lastX();
      if (last !== null && (after === null || last > after)) after = last;
    });
    group.busy = true;
    group.charts.forEach(function (f) { f.polls += 1; f.el.setAttribute("data-polls", String(f.polls)); });
    fetch(pollUrl(group.url, after), {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (answer) {
        group.failures = 0;
        var charts = answer.charts || {};
        group.charts.forEach(function (f) {
          if (charts[f.spec.id]) f.append(charts[f.spec.id]);
          var last = f.lastX();
          if (answer.finished) f.setState("finished", last === null ? "finished" : "finished at " + (f.spec.x.title || "x") + " " + fmt(last));
          else f.setState("live", last === null ? "live, waiting for the first point" : "live · " + (f.spec.x.title || "x") + " " + fmt(last));
        });
        if (answer.finished) { group.done = true; delete groups[group.url]; }
      })
      .catch(function (err) {
        group.failures += 1;
        var wait = Math.min(group.interval * Math.pow(2, group.failures), 60);
        group.charts.forEach(function (f) { f.setState("live", "update failed (" + err.message + "); retrying in " + Math.round(wait) + " s"); });
      })
      .then(function () {
        group.busy = false;
        if (!group.done) schedule(group, Math.min(group.interval * Math.pow(2, group.failures), 60));
      });
  }

  function follow(figure) {
    var url = figure.spec.poll_url;
    var group = groups[url];
    if (!group) {
      group = groups[url] = {url: url, charts: [], interval: figure.spec.interval, timer: null, busy: false, failures: 0, done: false};
    }
    group.charts.push(figure);
    group.interval = Math.min(group.interval, figure.spec.interval);
    figure.setState("live", "live");
    schedule(group, group.interval);
  }

  // The page's job bar says its job finished: ask now rather than at the next interval.
  document.addEventListener("job-finished", function () {
    Object.keys(groups).forEach(function (url) {
      var group = groups[url];
      if (group.timer) { clearTimeout(group.timer); group.timer = null; tick(group); }
    });
  });

  // --- setting charts up ----------------------------------------------------------------------

  function theme(Chart) {
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 12;
    Chart.defaults.color = cssVar("--muted", "#5f6b7a");
  }

  function readSpec(el) {
    var src = el.getAttribute("data-chart-src");
    if (src) {
      return fetch(src, {headers: {Accept: "application/json"}, credentials: "same-origin"}).then(function (r) {
        if (!r.ok) throw new Error("the chart's data answered HTTP " + r.status);
        return r.json();
      });
    }
    return new Promise(function (resolve) {  // a parse error rejects rather than throws
      var node = document.getElementById(el.getAttribute("data-chart-spec"));
      if (!node) throw new Error("its spec is missing");
      resolve(JSON.parse(node.textContent));
    });
  }

  function setUp(el) {
    if (el.__chartStarted) return;  // once per element, however often htmx processes the page
    el.__chartStarted = true;
    Promise.all([readSpec(el), loadLibrary(el.getAttribute("data-chart-lib"))])
      .then(function (both) {
        var spec = both[0], Chart = both[1];
        if (!Chart.__atomlabTheme) { theme(Chart); Chart.__atomlabTheme = true; }
        var figure = new Figure(el, spec, Chart);
        var form = controlsFor(el);
        if (form) {
          var view = readControls(form);
          if (view.ema || view.log || view.alt) figure.applyView(view);
        }
        if (spec.poll_url) follow(figure); else figure.setState("static", "");
      })
      .catch(function (err) {
        el.setAttribute("data-state", "error");
        el.querySelector(".chart-status").textContent = "This chart could not be drawn: " + err.message;
        el.querySelector(".chart-status").classList.add("error");
      });
  }

  function scan(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("[data-chart]")) setUp(root);
    root.querySelectorAll("[data-chart]").forEach(setUp);
  }

  // A chart htmx swaps out is destroyed; if it polled, its group drops it at the next tick
  // (and stops when no chart is left).
  document.addEventListener("htmx:beforeCleanupElement", function (e) {
    if (e.target && e.target.__chartFigure) e.target.__chartFigure.destroy();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  } else {
    scan(document);
  }
  document.addEventListener("htmx:load", function (e) { scan(e.target); });
})();
