import { randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import { drawPanels } from '../../../core/chart/bars';
import { adler32, zlibCompress } from '../../../core/chart/deflate';
import { Canvas, crc32, PNG_SIGNATURE } from '../../../core/chart/png';

/** The chunks of a PNG file, each with its type, data and whether its CRC holds. */
function chunksOf(png: Buffer): Array<{ type: string; data: Buffer; crcHolds: boolean }> {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  const chunks = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    const body = png.subarray(offset + 4, offset + 8 + length);
    chunks.push({ type: body.subarray(0, 4).toString('ascii'), data: body.subarray(4), crcHolds: zlibCrc32(body) === png.readUInt32BE(offset + 8 + length) });
    offset += 12 + length;
  }
  return chunks;
}

describe('zlib stream without node:zlib', () => {
  const inputs: Record<string, Buffer> = {
    empty: Buffer.alloc(0),
    'one byte': Buffer.from([7]),
    'random bytes (no matches)': randomBytes(70_000),
    'one long run': Buffer.alloc(100_000, 0xab),
    'a repeating RGB pattern with rows': Buffer.from(Array.from({ length: 90_000 }, (_, index) => ((index % 3) * 80 + Math.floor(index / 3000)) & 0xff)),
    'text': Buffer.from('the quick brown fox jumps over the lazy dog; '.repeat(2000)),
    'runs longer than the window apart': Buffer.concat([Buffer.alloc(40_000, 1), randomBytes(40_000), Buffer.alloc(40_000, 1)]),
  };

  test.each(Object.keys(inputs))('%s inflates back with node:zlib, checksum included', (name) => {
    const input = inputs[name];
    const compressed = zlibCompress(input);
    expect(Buffer.compare(inflateSync(compressed), input)).toBe(0);
  });

  test('a chart-like input compresses far below its size', () => {
    const runs = Buffer.concat(Array.from({ length: 200 }, (_, row) => Buffer.alloc(2400, row % 50 === 0 ? 200 : 255)));
    expect(zlibCompress(runs).length).toBeLessThan(runs.length / 50);
  });

  test('adler32 and crc32 agree with the reference values', () => {
    expect(adler32(Buffer.from('Wikipedia'))).toBe(0x11e60398);
    const data = randomBytes(10_000);
    expect(crc32(data)).toBe(zlibCrc32(data));
  });
});

describe('PNG canvas', () => {
  test('the image is a valid PNG whose pixels are the ones drawn', () => {
    const canvas = new Canvas(30, 20, [255, 255, 255]);
    canvas.fillRect(5, 4, 10, 6, [200, 30, 30]);
    const png = canvas.toPng();
    const chunks = chunksOf(png);
    expect(chunks.map((chunk) => chunk.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(chunks.every((chunk) => chunk.crcHolds)).toBe(true);
    const header = chunks[0].data;
    expect([header.readUInt32BE(0), header.readUInt32BE(4), header[8], header[9]]).toEqual([30, 20, 8, 2]);
    const raw = inflateSync(chunks[1].data);
    expect(raw.length).toBe(20 * (1 + 30 * 3));
    const pixel = (x: number, y: number) => [...raw.subarray(y * 91 + 1 + x * 3, y * 91 + 4 + x * 3)];
    expect(pixel(5, 4)).toEqual([200, 30, 30]);
    expect(pixel(14, 9)).toEqual([200, 30, 30]);
    expect(pixel(15, 9)).toEqual([255, 255, 255]);
    expect(pixel(4, 4)).toEqual([255, 255, 255]);
  });

  test('panels on a linear scale: bars as tall as their share of the maximum', () => {
    const { png, width, height } = drawPanels({
      title: 'T',
      width: 200,
      panelHeight: 200,
      panels: [{ title: 'P', scale: 'linear', min: 0, max: 10, groups: [{ label: 'A', bars: [{ value: 5, color: [0, 0, 255] }] }] }],
    });
    const [header, data] = chunksOf(png).map((chunk) => chunk.data);
    expect([header.readUInt32BE(0), header.readUInt32BE(4)]).toEqual([width, height]);
    const raw = inflateSync(data);
    const stride = 1 + width * 3;
    const blueRows = Array.from({ length: height }, (_, y) => y).filter((y) => {
      const row = raw.subarray(y * stride + 1, (y + 1) * stride);
      return Array.from({ length: width }, (_, x) => x).some((x) => row[x * 3] === 0 && row[x * 3 + 1] === 0 && row[x * 3 + 2] === 255);
    });
    // The panel's box is y 40 to 230 (200 less a 10 px gap); its plot runs from y 70 down to the axis at
    // 180 (50 px for labels and legend), so half of those 110 pixels is 55 rows of blue, down to the axis.
    expect(blueRows).toHaveLength(55);
    expect(blueRows[blueRows.length - 1]).toBe(179);
  });
});
