import { Canvas, type Color } from './png';

/** A panel of grouped bars on a log or linear scale: the benchmarks chart and the insights mail draw with it. */
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
  /**
   * `log`: from `min` to `max`, powers of ten, one grid line each. `linear`: from 0 to `max`
   * (`min` is ignored), five grid lines.
   */
  scale: 'log' | 'linear';
  min: number;
  max: number;
  /** How a grid line's value is written (short numbers by default: 1K, 1M). */
  tickLabel?: (value: number) => string;
  /** When given, each bar carries its value, written so, above it. */
  valueLabel?: (value: number) => string;
  /** A dashed line across the whole panel (e.g. the latency target). */
  line?: { value: number; label: string };
  legend?: Array<{ label: string; color: Color }>;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const INK: Color = [40, 40, 40];
const GRID: Color = [225, 225, 225];
const TARGET: Color = [200, 30, 30];
const LINEAR_TICKS = 5;

export const shortNumber = (value: number) =>
  value >= 1e6 ? `${value / 1e6}M` : value >= 1000 ? `${value / 1000}K` : String(Number(value.toPrecision(6)));

/** The panel's grid values and the y of a value, bottom to top. */
function axis(panel: Panel, top: number, bottom: number): { ticks: number[]; y: (value: number) => number } {
  if (panel.scale === 'linear') {
    const max = panel.max > 0 ? panel.max : 1;
    return {
      ticks: Array.from({ length: LINEAR_TICKS + 1 }, (_, index) => (max * index) / LINEAR_TICKS),
      y: (value) => bottom - (Math.min(Math.max(value, 0), max) / max) * (bottom - top),
    };
  }
  const ticks: number[] = [];
  for (let tick = panel.min; tick <= panel.max; tick *= 10) ticks.push(tick);
  const span = Math.log10(panel.max) - Math.log10(panel.min);
  return {
    ticks,
    y: (value) => bottom - ((Math.log10(Math.min(Math.max(value, panel.min), panel.max)) - Math.log10(panel.min)) / span) * (bottom - top),
  };
}

export function drawBarPanel(canvas: Canvas, panel: Panel, box: Box): void {
  const { x, y, width, height } = box;
  canvas.text(x, y, panel.title, INK, 2);
  const top = y + 30;
  const bottom = y + height - 50;
  const left = x + 60;
  const right = x + width - 10;
  const { ticks, y: scale } = axis(panel, top, bottom);
  const tickLabel = panel.tickLabel ?? shortNumber;
  for (const tick of ticks) {
    const ty = scale(tick);
    canvas.hline(left, ty, right - left, GRID);
    const label = tickLabel(tick);
    canvas.text(left - 8 - Canvas.textWidth(label, 1), ty - 3, label, INK, 1);
  }
  canvas.fillRect(left, top, 1, bottom - top + 1, INK);
  canvas.hline(left, bottom, right - left, INK);
  const slot = (right - left) / Math.max(1, panel.groups.length);
  panel.groups.forEach((group, index) => {
    const groupLeft = left + index * slot;
    const barWidth = Math.min(40, (slot * 0.8) / group.bars.length);
    const barsLeft = groupLeft + (slot - barWidth * group.bars.length) / 2;
    group.bars.forEach((bar, barIndex) => {
      const bx = barsLeft + barIndex * barWidth;
      const by = scale(bar.value);
      if (bar.value > 0) canvas.fillRect(bx + 1, by, barWidth - 2, bottom - by, bar.color);
      if (bar.target) canvas.hline(bx - 3, scale(bar.target), barWidth + 6, TARGET, 3, 2);
      if (panel.valueLabel) {
        const label = panel.valueLabel(bar.value);
        canvas.text(bx + (barWidth - Canvas.textWidth(label, 1)) / 2, by - 10, label, INK, 1);
      }
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

/** Panels stacked under a title, each `panelHeight` high, as one PNG. */
export function drawPanels(options: { title: string; panels: Panel[]; width: number; panelHeight: number }): { png: Buffer; width: number; height: number } {
  const { title, panels, width, panelHeight } = options;
  const height = 40 + panels.length * panelHeight;
  const canvas = new Canvas(width, height);
  canvas.text(10, 10, title, INK, 2);
  panels.forEach((panel, index) => drawBarPanel(canvas, panel, { x: 10, y: 40 + index * panelHeight, width: width - 20, height: panelHeight - 10 }));
  return { png: canvas.toPng(), width, height };
}
