// Draws each indicator chart from the figures the page already shows in the
// table beside it (data-chart-* attributes). Chart.js is loaded as a plain
// script before this module; gaps (null) are the values under 5.
//
// Series are told apart by more than colour (WCAG 1.4.1): each bar series has
// its own fill pattern and each line its own dash and point shape, and the
// legend shows them. Every colour is at least 3:1 against the white
// background (WCAG 1.4.11); the darkest GOV.UK tones are used for that.
const PALETTE = ['#1d70b8', '#d4351c', '#00703c', '#c24d00', '#4c2c92', '#6f4a11', '#0b7a71']
const DASHES = [[], [8, 4], [2, 3], [12, 4, 2, 4], [4, 4], [16, 6], [2, 6]]
const POINTS = ['circle', 'rect', 'triangle', 'rectRot', 'crossRot', 'star', 'rectRounded']

// The marks drawn in white over each series' colour, on a 12 px tile.
const MARKS = [
  null, // plain
  (c) => { c.moveTo(0, 12); c.lineTo(12, 0) }, // diagonal stripes
  (c) => { c.moveTo(0, 6); c.lineTo(12, 6) }, // horizontal stripes
  (c) => { c.moveTo(6, 0); c.lineTo(6, 12) }, // vertical stripes
  (c) => { c.moveTo(0, 0); c.lineTo(12, 12); c.moveTo(0, 12); c.lineTo(12, 0) }, // cross-hatch
  (c) => { c.moveTo(0, 0); c.lineTo(12, 12) }, // stripes the other way
  (c) => { c.arc(6, 6, 2, 0, 2 * Math.PI) }, // dots
  (c) => { c.moveTo(0, 6); c.lineTo(12, 6); c.moveTo(6, 0); c.lineTo(6, 12) }, // grid
  (c) => { c.rect(0, 0, 6, 6); c.rect(6, 6, 6, 6) }, // checks
  (c) => { c.moveTo(0, 9); c.lineTo(3, 3); c.lineTo(6, 9); c.lineTo(9, 3); c.lineTo(12, 9) }, // zigzag
  (c) => { c.moveTo(0, 3); c.lineTo(12, 3); c.moveTo(0, 9); c.lineTo(12, 9) }, // double stripes
  (c) => { c.rect(3, 3, 6, 6) } // squares
]
// Marks that are filled shapes rather than strokes.
const FILLED = new Set([6, 8, 11])

function pattern (colour, n) {
  const mark = MARKS[n % MARKS.length]
  if (!mark) return colour
  const tile = document.createElement('canvas')
  tile.width = 12
  tile.height = 12
  const c = tile.getContext('2d')
  c.fillStyle = colour
  c.fillRect(0, 0, 12, 12)
  c.strokeStyle = '#ffffff'
  c.fillStyle = '#ffffff'
  c.lineWidth = 2
  c.beginPath()
  mark(c)
  if (FILLED.has(n % MARKS.length)) c.fill()
  else c.stroke()
  return c.createPattern(tile, 'repeat')
}

function dataset (type, label, data, n) {
  const colour = PALETTE[n % PALETTE.length]
  const common = { label, data, borderColor: colour, spanGaps: false }
  if (type === 'line') {
    return {
      ...common,
      backgroundColor: colour,
      borderDash: DASHES[n % DASHES.length],
      pointStyle: POINTS[n % POINTS.length],
      pointRadius: 4,
      borderWidth: 2
    }
  }
  return { ...common, backgroundColor: pattern(colour, n), borderWidth: 1 }
}

function draw (canvas) {
  const type = canvas.dataset.chartType
  const labels = JSON.parse(canvas.dataset.chartLabels)
  const series = JSON.parse(canvas.dataset.chartSeries)
  const datasets = Object.entries(series).map(([label, data], n) => dataset(type, label, data, n))
  return new window.Chart(canvas, {
    type,
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      scales: { y: { beginAtZero: true } },
      plugins: {
        legend: {
          display: datasets.length > 1,
          labels: { usePointStyle: type === 'line', boxWidth: 24, boxHeight: 14 }
        }
      }
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
