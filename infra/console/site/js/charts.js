// Small inline-SVG charts (no chart library: nothing to fetch from a CDN, nothing to build). Sized by viewBox and
// scaled by CSS, so they stay sharp on any screen.
const svgNs = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined) el.setAttribute(key, String(value));
  for (const child of children.flat()) if (child) el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return el;
}

const width = 480;
const height = 200;
const pad = { left: 52, right: 12, top: 14, bottom: 34 };

/** band: each label owns an equal slot and x(i) is its middle (bars), else the labels span the width (lines). */
function frame(title, labels, yMax, formatY, { band = false } = {}) {
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const x = band
    ? (i) => pad.left + ((i + 0.5) * innerW) / Math.max(1, labels.length)
    : (i) => pad.left + (labels.length <= 1 ? innerW / 2 : (i * innerW) / (labels.length - 1));
  const y = (v) => pad.top + innerH - (yMax > 0 ? (Math.min(v, yMax) / yMax) * innerH : 0);
  const grid = [0, 0.2, 0.4, 0.6, 0.8, 1].map((f) =>
    s('g', { class: 'grid' }, s('line', { x1: pad.left, x2: width - pad.right, y1: y(yMax * f), y2: y(yMax * f) }), s('text', { x: pad.left - 6, y: y(yMax * f) + 4, 'text-anchor': 'end' }, formatY(yMax * f))),
  );
  // At most ~6 x labels, always the last one.
  const step = Math.max(1, Math.ceil(labels.length / 6));
  const xLabels = labels.map((label, i) =>
    i % step === 0 || i === labels.length - 1 ? s('text', { x: x(i), y: height - pad.bottom + 16, 'text-anchor': 'middle', class: 'x-label' }, label) : null,
  );
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, class: 'chart' }, s('title', {}, title), grid, xLabels);
  return { svg, x, y, innerW };
}

/**
 * Lines over the same x labels: series = [{ label, className, values: (number|undefined)[] }], targets = [{ value,
 * label, className }] drawn as dashed horizontal lines.
 */
export function lineChart({ title, labels, series, targets = [], yMax, formatY }) {
  const { svg, x, y } = frame(title, labels, yMax, formatY);
  for (const target of targets) {
    svg.append(
      s('line', { class: `target ${target.className ?? ''}`, x1: pad.left, x2: width - pad.right, y1: y(target.value), y2: y(target.value) }),
      s('text', { class: 'target-label', x: width - pad.right - 2, y: y(target.value) - 4, 'text-anchor': 'end' }, target.label),
    );
  }
  for (const one of series) {
    const points = one.values.map((v, i) => (typeof v === 'number' ? [x(i), y(v)] : undefined)).filter(Boolean);
    if (points.length > 1) svg.append(s('polyline', { class: `series ${one.className}`, points: points.map((p) => p.join(',')).join(' ') }));
    for (const [px, py] of points) svg.append(s('circle', { class: `dot ${one.className}`, cx: px, cy: py, r: 3 }));
  }
  return svg;
}

/** One bar per label. */
export function barChart({ title, labels, values, formatY, className = '' }) {
  const max = Math.max(0, ...values.filter((v) => typeof v === 'number'));
  const yMax = niceMax(max);
  const { svg, x, y, innerW } = frame(title, labels, yMax, formatY);
  const barW = Math.max(4, Math.min(36, (innerW / Math.max(1, labels.length)) * 0.6));
  values.forEach((v, i) => {
    if (typeof v !== 'number') return;
    const top = y(Math.max(0, v));
    svg.append(s('rect', { class: `bar ${className}`, x: x(i) - barW / 2, y: top, width: barW, height: Math.max(0, y(0) - top) }, s('title', {}, `${labels[i]}: ${formatY(v)}`)));
  });
  return svg;
}

/**
 * Bars of several series side by side per label (e.g. trucks and over-limit trucks per hour): series = [{ label,
 * className, key, values: number[] }]. Every bar carries data-series (key), data-index and data-value, and a title.
 * Counts: the axis goes to at least 5 so that its grid lines fall on whole numbers.
 */
export function groupedBarChart({ title, labels, series, formatY }) {
  const max = Math.max(0, ...series.flatMap((one) => one.values.filter((v) => typeof v === 'number')));
  const yMax = Math.max(5, niceMax(max));
  const { svg, x, y, innerW } = frame(title, labels, yMax, formatY, { band: true });
  const slot = innerW / Math.max(1, labels.length);
  const barW = (slot * 0.8) / Math.max(1, series.length);
  series.forEach((one, k) => {
    one.values.forEach((v, i) => {
      if (typeof v !== 'number') return;
      const top = y(Math.max(0, v));
      const left = x(i) - (slot * 0.8) / 2 + k * barW;
      svg.append(
        s(
          'rect',
          { class: `bar ${one.className ?? ''}`, x: left.toFixed(2), y: top.toFixed(2), width: Math.max(1, barW - 0.5).toFixed(2), height: Math.max(0, y(0) - top).toFixed(2), 'data-series': one.key, 'data-index': i, 'data-value': v },
          s('title', {}, `${labels[i]} · ${one.label}: ${formatY(v)}`),
        ),
      );
    });
  });
  return svg;
}

/** A round upper bound for an axis: 1, 2 or 5 × 10ⁿ above the maximum. */
export function niceMax(max) {
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= max) return m * magnitude;
  return 10 * magnitude;
}

export function legend(items) {
  const ul = document.createElement('ul');
  ul.className = 'legend';
  for (const item of items) {
    const li = document.createElement('li');
    li.className = item.className;
    li.textContent = item.label;
    ul.append(li);
  }
  return ul;
}
