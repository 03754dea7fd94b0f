// Charts of the personal dashboard: each <canvas data-chart="{labels, datasets}"> becomes a Chart.js chart.
(function () {
  "use strict";
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    if (typeof Chart === "undefined") return;
    var spec = JSON.parse(canvas.getAttribute("data-chart"));
    var hasRight = false;
    spec.datasets.forEach(function (d, i) {
      d.data = d.data.map(Number);
      d.backgroundColor = palette[i % palette.length];
      d.borderColor = palette[i % palette.length];
      if (d.yAxisID === "y1") hasRight = true;
    });
    var scales = { y: { beginAtZero: true } };
    if (hasRight) scales.y1 = { beginAtZero: true, position: document.dir === "rtl" ? "left" : "right", grid: { drawOnChartArea: false } };
    new Chart(canvas, { type: "bar", data: spec, options: { responsive: true, maintainAspectRatio: false, scales: scales } });
  });
})();
