/**
 * A small generated SVG chart for the scaling suite: four panels (load time, RSS, `$lookup` and filtered
 * `$expand` p99 latency, and their throughput) against code-system size on a log scale, one point per size.
 */
import type { ScalingRow } from './scaling.ts';

const W = 300;
const H = 200;
const PAD = { left: 56, right: 12, top: 28, bottom: 40 };

interface Series {
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function panel(x0: number, y0: number, title: string, unit: string, sizes: readonly number[], series: readonly Series[]): string {
  const max = niceMax(Math.max(...series.flatMap((s) => s.values.filter(Number.isFinite))));
  const lx = (n: number): number => {
    const lo = Math.log10(Math.min(...sizes));
    const hi = Math.log10(Math.max(...sizes));
    const t = hi === lo ? 0.5 : (Math.log10(n) - lo) / (hi - lo);
    return x0 + PAD.left + t * (W - PAD.left - PAD.right);
  };
  const ly = (v: number): number => y0 + H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const out: string[] = [`<text x="${x0 + W / 2}" y="${y0 + 16}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    out.push(`<line x1="${x0 + PAD.left}" x2="${x0 + W - PAD.right}" y1="${ly(v)}" y2="${ly(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 + PAD.left - 4}" y="${ly(v) + 4}" text-anchor="end">${v.toLocaleString('en-US', { maximumFractionDigits: 1 })}</text>`);
  }
  for (const n of sizes) out.push(`<text x="${lx(n)}" y="${y0 + H - PAD.bottom + 14}" text-anchor="middle">${n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`}</text>`);
  out.push(`<text x="${x0 + PAD.left - 44}" y="${y0 + PAD.top - 8}">${esc(unit)}</text>`);
  series.forEach((s, k) => {
    const pts = s.values.map((v, i) => `${lx(sizes[i])},${ly(v)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts}"/>`);
    s.values.forEach((v, i) => out.push(`<circle cx="${lx(sizes[i])}" cy="${ly(v)}" r="3" fill="${s.color}"/>`));
    out.push(`<text x="${x0 + PAD.left + 4 + k * 120}" y="${y0 + H - 8}" fill="${s.color}">${esc(s.label)}</text>`);
  });
  return out.join('\n');
}

/**
 * The chart as an SVG document.
 */
export function scalingChart(rows: readonly ScalingRow[]): string {
  const sizes = rows.map((r) => r.concepts);
  const panels = [
    panel(0, 0, 'Load (PUT + first $lookup)', 's', sizes, [
      { label: 'PUT', color: '#1f77b4', values: rows.map((r) => r.putMs / 1000) },
      { label: 'PUT + index', color: '#ff7f0e', values: rows.map((r) => (r.putMs + r.firstLookupMs) / 1000) },
    ]),
    panel(W, 0, 'Server RSS', 'MB', sizes, [
      { label: 'idle', color: '#7f7f7f', values: rows.map((r) => r.rssIdleMb) },
      { label: 'loaded', color: '#d62728', values: rows.map((r) => r.rssLoadedMb) },
    ]),
    panel(0, H, 'Throughput', 'req/s', sizes, [
      { label: '$lookup', color: '#2ca02c', values: rows.map((r) => r.lookup.rps) },
      { label: 'filtered $expand', color: '#9467bd', values: rows.map((r) => r.expand.rps) },
    ]),
    panel(W, H, 'p99 latency', 'ms', sizes, [
      { label: '$lookup', color: '#2ca02c', values: rows.map((r) => r.lookup.p99) },
      { label: 'filtered $expand', color: '#9467bd', values: rows.map((r) => r.expand.p99) },
    ]),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${2 * H}" viewBox="0 0 ${2 * W} ${2 * H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
