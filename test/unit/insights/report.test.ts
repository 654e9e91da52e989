import { renderWeeklyReport, type Insights } from '../../../core/insights';
import { checkedPngSize, expectedTables, figure, reportTables, tableRows } from '../../support/insights-report';

/** renderWeeklyReport on figures written by hand: every table, untrusted names escaped, the chart's size. */
const insights: Insights = {
  from: '2026-11-29T23:00:00.000Z',
  to: '2026-12-06T23:00:00.000Z',
  events: 9,
  failureRate: {
    byGateway: [{ key: 'stripe', attempts: 6, failed: 2, rate: 2 / 6 }],
    byPaymentMethod: [
      { key: '<img src=x onerror=alert(1)>', attempts: 1, failed: 1, rate: 1 },
      { key: 'card', attempts: 5, failed: 1, rate: 0.2 },
    ],
  },
  cancellations: {
    total: 3,
    byHourOfDay: Array.from({ length: 24 }, (_, hour) => (hour === 9 ? 2 : hour === 17 ? 1 : 0)),
    byDayOfWeek: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((day, index) => ({ day: day as 'Mon', count: index === 2 ? 3 : 0 })),
  },
  fulfilment: [{ paymentMethod: 'card', fulfilled: 4, deadLettered: 1, pending: 1, fulfilledShare: 0.8 }],
  recovery: { failed: 2, recovered: 1, canceled: 0, open: 1, recoveryRate: 0.5 },
  amounts: [
    { day: '2026-12-01', currency: 'JPY', minor: 5000, count: 1 },
    { day: '2026-12-01', currency: 'USD', minor: 123_456, count: 3 },
  ],
};

describe('the weekly insights report', () => {
  const report = renderWeeklyReport(insights, { chartContentId: 'chart' });

  test('every table holds the figures, rates with one decimal and amounts in their currency', () => {
    expect(reportTables(report.html)).toEqual(expectedTables(insights));
    expect(tableRows(report.html, 'failure-by-method')).toEqual([
      ['<img src=x onerror=alert(1)>', '1', '1', '100.0%'],
      ['card', '5', '1', '20.0%'],
    ]);
    expect(tableRows(report.html, 'cancellations-by-hour')).toEqual([
      ['09:00', '2'],
      ['17:00', '1'],
    ]);
    expect(tableRows(report.html, 'volumes')).toEqual([
      ['2026-12-01', 'JPY', '1', '¥5,000'],
      ['2026-12-01', 'USD', '3', '$1,234.56'],
    ]);
    expect(figure(report.html, 'events')).toBe('9');
    expect(report.subject).toBe('Payments: weekly insights 2026-11-29 to 2026-12-06');
  });

  test('a name from a gateway is text, never markup', () => {
    expect(report.html).not.toContain('<img src=x');
    expect(report.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  test('the chart is a whole PNG of the size the page declares, shown by its Content-ID', () => {
    const size = checkedPngSize(report.chart.png);
    expect(size).toEqual({ width: report.chart.width, height: report.chart.height });
    expect(size).toEqual({ width: 760, height: 40 + 4 * 240 });
    expect(report.html).toContain(`<img src="cid:chart" width="760" height="1000"`);
  });

  test('a week without events still makes a report, each table saying none', () => {
    const empty = renderWeeklyReport(
      { ...insights, events: 0, failureRate: { byGateway: [], byPaymentMethod: [] }, fulfilment: [], amounts: [], cancellations: { ...insights.cancellations, total: 0, byHourOfDay: Array(24).fill(0) } },
      { chartContentId: 'weekly' },
    );
    expect(tableRows(empty.html, 'fulfilment')).toEqual([['none', '', '', '', '']]);
    expect(tableRows(empty.html, 'cancellations-by-hour')).toEqual([['none', '']]);
    expect(empty.html).toContain('<img src="cid:weekly"');
    checkedPngSize(empty.chart.png);
  });
});
