// Charts and SLA countdowns of the content pages. No inline scripts (the CSP forbids them):
// a chart's figures come as JSON in its canvas's data-chart attribute.
(function () {
  "use strict";

  function drawCharts(root) {
    if (typeof Chart === "undefined") { return; }
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      var spec = JSON.parse(canvas.dataset.chart);
      var datasets = spec.datasets.map(function (set) {
        return { label: set.label, data: set.data, backgroundColor: set.color, borderColor: set.color };
      });
      new Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: datasets },
        options: {
          indexAxis: spec.horizontal ? "y" : "x",
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: datasets.length > 1 } }
        }
      });
      canvas.dataset.drawn = "true";
      canvas.dataset.points = String(spec.labels.length);
    });
  }

  // Business seconds left, counted down only while the rep's business hours are open
  // (the server says so); every minute the queue is fetched again, which resets them.
  function tick() {
    document.querySelectorAll(".countdown[data-seconds]").forEach(function (el) {
      var left = parseFloat(el.dataset.seconds);
      if (el.dataset.running === "true") { left -= 1; el.dataset.seconds = String(left); }
      el.textContent = formatLeft(left);
      el.classList.toggle("overdue", left <= 0);
    });
  }

  function formatLeft(seconds) {
    var late = seconds < 0;
    var s = Math.abs(Math.round(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var text = h + "h " + String(m).padStart(2, "0") + "m " + String(r).padStart(2, "0") + "s";
    return late ? "overdue by " + text : text + " left";
  }

  function start() {
    drawCharts(document);
    if (window.htmx) { window.htmx.onLoad(drawCharts); }
    setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
