// A line chart as a standalone SVG: ns/op against workers, one line per method, readable without the
// table (axes with units, a legend, every point marked and labelled).

export interface Series {
  name: string
  points: Array<{ x: number; y: number }>
}

export interface ChartOptions {
  title: string
  xLabel: string
  yLabel: string
  series: Series[]
}

const WIDTH = 920
const HEIGHT = 460
const MARGIN = { top: 56, right: 300, bottom: 64, left: 72 }
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

// 1, 2 or 5 times a power of ten, so that about five ticks span `max`.
function tickStep(max: number): number {
  const rough = max / 5
  const power = 10 ** Math.floor(Math.log10(rough))
  return [1, 2, 5, 10].map((factor) => factor * power).find((step) => step >= rough) ?? rough
}

export function renderChart({ title, xLabel, yLabel, series }: ChartOptions): string {
  const xs = series.flatMap((line) => line.points.map((point) => point.x))
  const ys = series.flatMap((line) => line.points.map((point) => point.y))
  const xMin = Math.min(...xs)
  const xMax = Math.max(...xs, xMin + 1)
  const yStep = tickStep(Math.max(...ys, 1))
  const yMax = Math.ceil(Math.max(...ys, 1) / yStep) * yStep
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom
  const px = (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotWidth
  const py = (y: number) => MARGIN.top + plotHeight - (y / yMax) * plotHeight

  const parts: string[] = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="13">`,
  )
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`)
  parts.push(
    `<text x="${WIDTH / 2 - MARGIN.right / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  )
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${py(y)}" y2="${py(y)}" stroke="#e0e0e0"/>`)
    parts.push(`<text x="${MARGIN.left - 8}" y="${py(y) + 4}" text-anchor="end">${Number(y.toPrecision(6))}</text>`)
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight + 5}" stroke="black"/>`)
    parts.push(`<text x="${px(x)}" y="${MARGIN.top + plotHeight + 20}" text-anchor="middle">${x}</text>`)
  }
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="black"/>`)
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight}" stroke="black"/>`,
  )
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 18}" text-anchor="middle">${escapeXml(xLabel)}</text>`)
  parts.push(`<text transform="translate(20 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`)
  series.forEach((line, index) => {
    const color = COLORS[index % COLORS.length]
    const points = line.points.map((point) => `${px(point.x).toFixed(1)},${py(point.y).toFixed(1)}`).join(' ')
    parts.push(`<polyline data-series="${escapeXml(line.name)}" fill="none" stroke="${color}" stroke-width="2.5" points="${points}"/>`)
    for (const point of line.points) {
      parts.push(`<circle cx="${px(point.x).toFixed(1)}" cy="${py(point.y).toFixed(1)}" r="4" fill="${color}"/>`)
      parts.push(
        `<text x="${(px(point.x) + 6).toFixed(1)}" y="${(py(point.y) - 6).toFixed(1)}" fill="${color}" font-size="11">${point.y.toFixed(1)}</text>`,
      )
    }
    const legendY = MARGIN.top + 10 + index * 22
    const legendX = WIDTH - MARGIN.right + 20
    parts.push(`<line x1="${legendX}" x2="${legendX + 24}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="3"/>`)
    parts.push(`<text x="${legendX + 30}" y="${legendY + 4}">${escapeXml(line.name)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}
