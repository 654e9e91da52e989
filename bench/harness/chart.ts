import { drawPanels, type Panel } from '../../core/chart/bars';
import type { Color } from '../../core/chart/png';

/** The benchmark chart: throughput bars and acknowledgement-latency bars, both on log scales (core/chart draws them). */
export type { Panel };

export const COLORS = {
  runtime: [33, 110, 200] as Color,
  n8n: [240, 140, 30] as Color,
  physical: [120, 120, 120] as Color,
  delivery: [40, 160, 90] as Color,
  p50: [70, 170, 90] as Color,
  p99: [240, 160, 40] as Color,
  p999: [210, 60, 50] as Color,
};

export function drawChart(title: string, panels: Panel[]): Buffer {
  return drawPanels({ title, panels, width: 1400, panelHeight: 330 }).png;
}
