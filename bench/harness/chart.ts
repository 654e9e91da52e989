import { Canvas, type Color } from './png';

/** The benchmark chart: throughput bars and acknowledgement-latency bars, both on log scales. */
export interface Bar {
  value: number;
  color: Color;
  /** Drawn as a dashed mark across the bar's slot. */
  target?: number;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

export interface Panel {
  title: string;
  groups: BarGroup[];
  /** Log-scale bounds, powers of ten. */
  min: number;
  max: number;
  /** A dashed line across the whole panel (e.g. the latency target). */
  line?: { value: number; label: string };
  legend?: Array<{ label: string; color: Color }>;
}

const INK: Color = [40, 40, 40];
const GRID: Color = [225, 225, 225];
const TARGET: Color = [200, 30, 30];

export const COLORS = {
  runtime: [33, 110, 200] as Color,
  n8n: [240, 140, 30] as Color,
  physical: [120, 120, 120] as Color,
  delivery: [40, 160, 90] as Color,
  p50: [70, 170, 90] as Color,
  p99: [240, 160, 40] as Color,
  p999: [210, 60, 50] as Color,
};

const shortNumber = (value: number) => (value >= 1e6 ? `${value / 1e6}M` : value >= 1000 ? `${value / 1000}K` : String(value));

function drawPanel(canvas: Canvas, panel: Panel, x: number, y: number, width: number, height: number): void {
  canvas.text(x, y, panel.title, INK, 2);
  const top = y + 30;
  const bottom = y + height - 50;
  const left = x + 60;
  const right = x + width - 10;
  const scale = (value: number) => {
    const clamped = Math.min(Math.max(value, panel.min), panel.max);
    return bottom - ((Math.log10(clamped) - Math.log10(panel.min)) / (Math.log10(panel.max) - Math.log10(panel.min))) * (bottom - top);
  };
  for (let tick = panel.min; tick <= panel.max; tick *= 10) {
    const ty = scale(tick);
    canvas.hline(left, ty, right - left, GRID);
    const label = shortNumber(tick);
    canvas.text(left - 8 - Canvas.textWidth(label, 1), ty - 3, label, INK, 1);
  }
  canvas.fillRect(left, top, 1, bottom - top + 1, INK);
  canvas.hline(left, bottom, right - left, INK);
  const slot = (right - left) / panel.groups.length;
  panel.groups.forEach((group, index) => {
    const groupLeft = left + index * slot;
    const barWidth = Math.min(40, (slot * 0.8) / group.bars.length);
    const barsLeft = groupLeft + (slot - barWidth * group.bars.length) / 2;
    group.bars.forEach((bar, barIndex) => {
      const bx = barsLeft + barIndex * barWidth;
      if (bar.value > 0) {
        const by = scale(bar.value);
        canvas.fillRect(bx + 1, by, barWidth - 2, bottom - by, bar.color);
      }
      if (bar.target) canvas.hline(bx - 3, scale(bar.target), barWidth + 6, TARGET, 3, 2);
    });
    const labelWidth = Canvas.textWidth(group.label, 1);
    canvas.text(groupLeft + (slot - labelWidth) / 2, bottom + 8, group.label, INK, 1);
  });
  if (panel.line) {
    const ly = scale(panel.line.value);
    canvas.hline(left, ly, right - left, TARGET, 6, 2);
    canvas.text(right - Canvas.textWidth(panel.line.label, 1) - 4, ly - 10, panel.line.label, TARGET, 1);
  }
  let legendX = left;
  for (const entry of panel.legend ?? []) {
    canvas.fillRect(legendX, bottom + 26, 10, 10, entry.color);
    legendX += 14 + canvas.text(legendX + 14, bottom + 28, entry.label, INK, 1) + 12;
  }
}

export function drawChart(title: string, panels: Panel[]): Buffer {
  const width = 1400;
  const panelHeight = 330;
  const canvas = new Canvas(width, 40 + panels.length * panelHeight);
  canvas.text(10, 10, title, INK, 2);
  panels.forEach((panel, index) => drawPanel(canvas, panel, 10, 40 + index * panelHeight, width - 20, panelHeight - 10));
  return canvas.toPng();
}
