// Draws each indicator chart from the figures the page already shows in the
// table beside it (data-chart-* attributes). Chart.js is loaded as a plain
// script before this module; gaps (null) are the values under 5.
const PALETTE = ['#1d70b8', '#d4351c', '#00703c', '#f47738', '#4c2c92', '#b58840', '#28a197']

function draw (canvas) {
  const labels = JSON.parse(canvas.dataset.chartLabels)
  const series = JSON.parse(canvas.dataset.chartSeries)
  const datasets = Object.entries(series).map(([label, data], n) => ({
    label,
    data,
    borderColor: PALETTE[n % PALETTE.length],
    backgroundColor: PALETTE[n % PALETTE.length],
    spanGaps: false
  }))
  return new window.Chart(canvas, {
    type: canvas.dataset.chartType,
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      scales: { y: { beginAtZero: true } },
      plugins: { legend: { display: datasets.length > 1 } }
    }
  })
}

function drawAll () {
  for (const canvas of document.querySelectorAll('[data-module="app-chart"]')) {
    draw(canvas)
    canvas.dataset.drawn = 'true'
  }
}

if (window.Chart) {
  drawAll()
} else {
  window.addEventListener('load', drawAll)
}
