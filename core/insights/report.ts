import { drawPanels, type Panel } from '../chart/bars';
import type { Color } from '../chart/png';
import { formatMoney } from '../money';
import type { Insights } from './types';

/**
 * The weekly insights mail: one HTML page of tables with every figure of `/admin/insights`
 * and one PNG of bar charts, which the page shows inline by its Content-ID (mail clients do
 * not render SVG reliably, and a PNG needs no chart service).
 */
export interface WeeklyReport {
  subject: string;
  html: string;
  chart: { png: Buffer; width: number; height: number };
}

export interface WeeklyReportOptions {
  /** The Content-ID the mail gives the chart's attachment: the page shows it as `cid:<id>`. */
  chartContentId: string;
}

const CHART_WIDTH = 760;
const PANEL_HEIGHT = 240;
const BLUE: Color = [33, 110, 200];
const GREEN: Color = [40, 160, 90];
const RED: Color = [210, 60, 50];
const GREY: Color = [120, 120, 120];
const DAY_MS = 24 * 60 * 60 * 1000;

/** A share in [0, 1] as a percentage with one decimal, as every rate in the mail is written. */
export const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!);

/** The smallest 1, 2 or 5 times a power of ten at or above `value` and `floor`: an axis top with round grid lines. */
function roundTop(value: number, floor: number): number {
  const target = Math.max(value, floor);
  let magnitude = 10 ** Math.floor(Math.log10(target));
  for (;;) {
    for (const step of [1, 2, 5]) if (step * magnitude >= target) return step * magnitude;
    magnitude *= 10;
  }
}

/** The UTC days from `from` to `to`, both included, as YYYY-MM-DD. */
function daysOf(insights: Insights): string[] {
  const days: string[] = [];
  for (let at = Date.parse(insights.from.slice(0, 10)); at <= Date.parse(insights.to); at += DAY_MS) days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

function chartPanels(insights: Insights): Panel[] {
  const methods = insights.failureRate.byPaymentMethod;
  const fulfilment = insights.fulfilment;
  const payments = daysOf(insights).map((day) => ({
    day,
    count: insights.amounts.filter((row) => row.day === day).reduce((sum, row) => sum + row.count, 0),
  }));
  const count = (value: number) => (value === 0 ? '' : String(value));
  return [
    {
      title: 'FAILURE RATE BY PAYMENT METHOD',
      scale: 'linear',
      min: 0,
      max: roundTop(Math.max(0, ...methods.map((row) => row.rate * 100)), 5),
      tickLabel: (value) => `${value}%`,
      valueLabel: (value) => `${value.toFixed(1)}%`,
      groups: methods.map((row) => ({ label: row.key, bars: [{ value: row.rate * 100, color: RED }] })),
    },
    {
      title: 'FULFILLED VS DEAD-LETTERED BY PAYMENT METHOD',
      scale: 'linear',
      min: 0,
      max: roundTop(Math.max(0, ...fulfilment.flatMap((row) => [row.fulfilled, row.deadLettered, row.pending])), 5),
      valueLabel: String,
      groups: fulfilment.map((row) => ({
        label: row.paymentMethod,
        bars: [
          { value: row.fulfilled, color: GREEN },
          { value: row.deadLettered, color: RED },
          { value: row.pending, color: GREY },
        ],
      })),
      legend: [
        { label: 'FULFILLED', color: GREEN },
        { label: 'DEAD-LETTERED', color: RED },
        { label: 'PENDING', color: GREY },
      ],
    },
    {
      title: 'CANCELLATIONS BY HOUR OF DAY (UTC)',
      scale: 'linear',
      min: 0,
      max: roundTop(Math.max(0, ...insights.cancellations.byHourOfDay), 5),
      valueLabel: count,
      groups: insights.cancellations.byHourOfDay.map((value, hour) => ({ label: String(hour), bars: [{ value, color: BLUE }] })),
    },
    {
      title: 'SUCCEEDED PAYMENTS PER DAY (UTC)',
      scale: 'linear',
      min: 0,
      max: roundTop(Math.max(0, ...payments.map((row) => row.count)), 5),
      valueLabel: count,
      groups: payments.map((row) => ({ label: row.day.slice(5), bars: [{ value: row.count, color: BLUE }] })),
    },
  ];
}

/** A table with an id (so a reader, or a test, finds each figure), a header row and body rows. */
function table(id: string, header: string[], rows: Array<Array<string | number>>): string {
  const cell = (tag: 'th' | 'td', value: string | number) =>
    `<${tag} style="border:1px solid #ddd;padding:4px 8px;text-align:${typeof value === 'number' ? 'right' : 'left'}">${escapeHtml(String(value))}</${tag}>`;
  const body = rows.length > 0 ? rows : [['none', ...header.slice(1).map(() => '')]];
  return [
    `<table id="${id}" style="border-collapse:collapse;margin:8px 0 16px">`,
    `<tr>${header.map((value) => cell('th', value)).join('')}</tr>`,
    ...body.map((row) => `<tr>${row.map((value) => cell('td', value)).join('')}</tr>`),
    '</table>',
  ].join('\n');
}

export function renderWeeklyReport(insights: Insights, options: WeeklyReportOptions): WeeklyReport {
  const from = insights.from.slice(0, 10);
  const to = insights.to.slice(0, 10);
  const chart = drawPanels({ title: `PAYMENTS: WEEKLY INSIGHTS ${from} TO ${to} (UTC)`, panels: chartPanels(insights), width: CHART_WIDTH, panelHeight: PANEL_HEIGHT });
  const failureRows = (rows: Insights['failureRate']['byGateway']) => rows.map((row) => [row.key, row.attempts, row.failed, percent(row.rate)]);
  const { recovery, cancellations } = insights;
  const html = [
    '<div style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">',
    `<h2>Payments: weekly insights</h2>`,
    `<p>From <strong id="from">${escapeHtml(insights.from)}</strong> to <strong id="to">${escapeHtml(insights.to)}</strong>: <strong id="events">${insights.events}</strong> events.</p>`,
    `<img src="cid:${escapeHtml(options.chartContentId)}" width="${chart.width}" height="${chart.height}" alt="Charts: failure rate and fulfilment by payment method, cancellations by hour, payments per day" style="max-width:100%;height:auto">`,
    '<h3>Failure rate by payment method</h3>',
    table('failure-by-method', ['Payment method', 'Attempts', 'Failed', 'Failure rate'], failureRows(insights.failureRate.byPaymentMethod)),
    '<h3>Failure rate by gateway</h3>',
    table('failure-by-gateway', ['Gateway', 'Attempts', 'Failed', 'Failure rate'], failureRows(insights.failureRate.byGateway)),
    '<h3>Fulfilled vs dead-lettered</h3>',
    table(
      'fulfilment',
      ['Payment method', 'Fulfilled', 'Dead-lettered', 'Pending', 'Fulfilled share'],
      insights.fulfilment.map((row) => [row.paymentMethod, row.fulfilled, row.deadLettered, row.pending, percent(row.fulfilledShare)]),
    ),
    `<h3>Cancellations: <span id="cancellations-total">${cancellations.total}</span></h3>`,
    table(
      'cancellations-by-hour',
      ['Hour (UTC)', 'Cancellations'],
      cancellations.byHourOfDay.flatMap((count, hour) => (count > 0 ? [[`${String(hour).padStart(2, '0')}:00`, count]] : [])),
    ),
    table('cancellations-by-day', ['Day', 'Cancellations'], cancellations.byDayOfWeek.map((row) => [row.day, row.count])),
    '<h3>Failed payments and what became of them</h3>',
    table('recovery', ['Failed', 'Recovered', 'Canceled', 'Open', 'Recovery rate'], [
      [recovery.failed, recovery.recovered, recovery.canceled, recovery.open, percent(recovery.recoveryRate)],
    ]),
    '<h3>Volumes: succeeded payments per day</h3>',
    table('volumes', ['Day (UTC)', 'Currency', 'Payments', 'Amount'], insights.amounts.map((row) => [row.day, row.currency, row.count, formatMoney(row)])),
    '</div>',
  ].join('\n');
  return { subject: `Payments: weekly insights ${from} to ${to}`, html, chart };
}
