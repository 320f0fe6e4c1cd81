// Bar charts without a chart library: inline SVG built with DOM APIs (createElementNS and
// setAttribute only: the Content-Security-Policy has no 'unsafe-inline' for styles, so nothing
// goes through a style string). Each chart comes with its data table — a <table> with a caption
// and th scope — which is its accessible equivalent (WCAG 2.1 1.1.1, the "complex images"
// technique): the picture is hidden from assistive technologies, the table says the same.
// Colour is never the only cue (WCAG 1.4.1): each series has its own fill pattern, shown in the
// legend, and every bar carries its value as text. The fills are dark on white (contrast
// 3:1 at least for graphics, WCAG 1.4.11).
import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const LABEL_WIDTH = 220;
const VALUE_WIDTH = 70;
const BAR = 16;
const GAP = 10;
// Blue solid, blue hatched, dark grey dotted, blue cross-hatched: told apart without colour.
const PATTERNS = ['solid', 'hatched', 'dotted', 'crossed'];
const BLUE = '#000091';
const GREY = '#3a3a3a';

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children) if (child) node.append(child);
  return node;
}

function pattern(id, kind) {
  if (kind === 'solid') return null;
  const tile = svg('pattern', { id, width: 8, height: 8, patternUnits: 'userSpaceOnUse' },
    svg('rect', { width: 8, height: 8, fill: '#ffffff' }));
  if (kind === 'hatched') tile.append(svg('path', { d: 'M0,8 L8,0', stroke: BLUE, 'stroke-width': 3 }));
  if (kind === 'dotted') tile.append(svg('circle', { cx: 4, cy: 4, r: 2.5, fill: GREY }));
  if (kind === 'crossed') {
    tile.append(svg('path', { d: 'M0,8 L8,0 M0,0 L8,8', stroke: BLUE, 'stroke-width': 2 }));
  }
  return tile;
}

function fill(id, kind) {
  return kind === 'solid' ? BLUE : `url(#${id})`;
}

function swatch(id, kind) {
  return svg('svg', { width: 18, height: 14, 'aria-hidden': 'true', focusable: 'false' },
    svg('defs', {}, pattern(id, kind)),
    svg('rect', { x: 0.5, y: 0.5, width: 17, height: 13, fill: fill(id, kind), stroke: BLUE }));
}

// chart: {id, title, rowHeader, rows: [{label, values: [number|null]}],
//         series: [{label}], format: (number|null) → text, empty: text when no rows}
export function barChart({ id, title, rowHeader, rows, series, format, empty }) {
  const headingId = `${id}-title`;
  if (!rows.length) {
    return h('section', { class: 'chart-block', id, 'aria-labelledby': headingId },
      h('h2', { id: headingId }, title), h('p', { class: 'note' }, empty));
  }
  const max = Math.max(0, ...rows.flatMap((row) => row.values.map((v) => v ?? 0)));
  const band = series.length * BAR + GAP;
  const height = Math.max(band, rows.length * band) + GAP;
  const scale = (value) => (max > 0 ? ((WIDTH - LABEL_WIDTH - VALUE_WIDTH) * value) / max : 0);
  const picture = svg('svg', {
    class: 'chart', viewBox: `0 0 ${WIDTH} ${height}`, width: WIDTH, height,
    'aria-hidden': 'true', focusable: 'false',
  });
  const defs = svg('defs');
  series.forEach((_, s) => { const p = pattern(`${id}-p${s}`, PATTERNS[s % PATTERNS.length]); if (p) defs.append(p); });
  picture.append(defs);
  rows.forEach((row, r) => {
    const top = GAP + r * band;
    const name = svg('text', { x: LABEL_WIDTH - 8, y: top + (series.length * BAR) / 2 + 5,
      'text-anchor': 'end', 'font-size': 13, fill: '#161616' });
    name.textContent = row.label.length > 30 ? `${row.label.slice(0, 29)}…` : row.label;
    picture.append(name);
    row.values.forEach((value, s) => {
      const y = top + s * BAR;
      const kind = PATTERNS[s % PATTERNS.length];
      const length = scale(value ?? 0);
      picture.append(svg('rect', { x: LABEL_WIDTH, y: y + 1, width: Math.max(length, value ? 1 : 0),
        height: BAR - 3, fill: fill(`${id}-p${s}`, kind), stroke: BLUE, 'stroke-width': 1 }));
      const label = svg('text', { x: LABEL_WIDTH + length + 6, y: y + BAR - 4, 'font-size': 12,
        fill: '#161616' });
      label.textContent = format(value);
      picture.append(label);
    });
  });
  picture.append(svg('line', { x1: LABEL_WIDTH, x2: LABEL_WIDTH, y1: 0, y2: height,
    stroke: '#161616', 'stroke-width': 1 }));
  const legend = series.length > 1 ? h('ul', { class: 'legend' }, series.map((item, s) => h('li', {},
    swatch(`${id}-l${s}`, PATTERNS[s % PATTERNS.length]), ' ', item.label))) : null;
  const table = h('table', { class: 'data', id: `${id}-table` },
    h('caption', {}, title),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, rowHeader),
      series.map((item) => h('th', { scope: 'col' }, item.label)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, h('th', { scope: 'row' }, row.label),
      row.values.map((value) => h('td', {}, format(value)))))));
  return h('section', { class: 'chart-block', id, 'aria-labelledby': headingId },
    h('h2', { id: headingId }, title), picture, legend, table);
}
