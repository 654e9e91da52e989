import { crc32, inflateSync } from 'node:zlib';
import { formatMoney } from '../../core/money';
import type { Insights } from '../../core/insights';

/**
 * Reading the weekly insights report as its reader gets it: the cells of each table of the
 * HTML, and the PNG checked byte by byte (signature, chunk checksums, pixel data of the size
 * the header declares). The expected cells are written here from `/admin/insights`' answer,
 * so a test compares the mail with the figures the runtime gives, not with the renderer.
 */
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const text = (cell: string) => cell.replace(/<[^>]+>/g, '').replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]).trim();

/** The body rows (the header row left out) of the table with that id, as cell texts. */
export function tableRows(html: string, id: string): string[][] {
  const table = new RegExp(`<table id="${id}"[^>]*>([\\s\\S]*?)</table>`).exec(html);
  if (!table) throw new Error(`the report has no table "${id}"`);
  const rows = [...table[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1].matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((cell) => text(cell[1])));
  return rows.slice(1);
}

/** The text of the element with that id (a figure written in a sentence). */
export function figure(html: string, id: string): string {
  const match = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html);
  if (!match) throw new Error(`the report has no figure "${id}"`);
  return text(match[1]);
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const orNone = (rows: string[][], columns: number) => (rows.length > 0 ? rows : [['none', ...Array.from({ length: columns - 1 }, () => '')]]);

/** Every table of the report, as the runtime's figures should appear in it. */
export function expectedTables(insights: Insights): Record<string, string[][]> {
  const failure = (rows: Insights['failureRate']['byGateway']) => orNone(rows.map((row) => [row.key, String(row.attempts), String(row.failed), percent(row.rate)]), 4);
  const { recovery } = insights;
  return {
    'failure-by-method': failure(insights.failureRate.byPaymentMethod),
    'failure-by-gateway': failure(insights.failureRate.byGateway),
    fulfilment: orNone(
      insights.fulfilment.map((row) => [row.paymentMethod, String(row.fulfilled), String(row.deadLettered), String(row.pending), percent(row.fulfilledShare)]),
      5,
    ),
    'cancellations-by-hour': orNone(
      insights.cancellations.byHourOfDay.flatMap((count, hour) => (count > 0 ? [[`${String(hour).padStart(2, '0')}:00`, String(count)]] : [])),
      2,
    ),
    'cancellations-by-day': insights.cancellations.byDayOfWeek.map((row) => [row.day, String(row.count)]),
    recovery: [[String(recovery.failed), String(recovery.recovered), String(recovery.canceled), String(recovery.open), percent(recovery.recoveryRate)]],
    volumes: orNone(insights.amounts.map((row) => [row.day, row.currency, String(row.count), formatMoney(row)]), 4),
  };
}

/** Every table of the report, as the report shows it. */
export function reportTables(html: string): Record<string, string[][]> {
  return Object.fromEntries(Object.keys(expectedTables(EMPTY)).map((id) => [id, tableRows(html, id)]));
}

const EMPTY: Insights = {
  from: '',
  to: '',
  events: 0,
  failureRate: { byGateway: [], byPaymentMethod: [] },
  cancellations: { total: 0, byHourOfDay: [], byDayOfWeek: [] },
  fulfilment: [],
  recovery: { failed: 0, recovered: 0, canceled: 0, open: 0, recoveryRate: 0 },
  amounts: [],
};

/** Checks that `png` is a whole, valid 8-bit RGB PNG and returns its declared size. */
export function checkedPngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: Array<{ type: string; data: Buffer }> = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    const body = png.subarray(offset + 4, offset + 8 + length);
    expect(crc32(body)).toBe(png.readUInt32BE(offset + 8 + length));
    chunks.push({ type: body.subarray(0, 4).toString('ascii'), data: body.subarray(4) });
    offset += 12 + length;
  }
  expect(chunks.map((chunk) => chunk.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const header = chunks[0].data;
  const size = { width: header.readUInt32BE(0), height: header.readUInt32BE(4) };
  expect([...header.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
  // Every row: a filter byte, then three bytes per pixel.
  expect(inflateSync(chunks[1].data).length).toBe(size.height * (1 + size.width * 3));
  return size;
}
