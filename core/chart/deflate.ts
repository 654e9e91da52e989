/**
 * A zlib stream (RFC 1950) of one DEFLATE block with the fixed Huffman codes (RFC 1951), for
 * PNG image data. Published node code may not import node:zlib (n8n's package scanner), so
 * this is the compressor: greedy LZ77 over a 32 KiB window with hash chains. Charts are long
 * runs of one colour and rows that repeat the row above, which such matches take in a few bits.
 */
const WINDOW = 32_768;
const MIN_MATCH = 3;
const MAX_MATCH = 258;
const MAX_CHAIN = 64;
const HASH_BITS = 15;

const LENGTH_BASES = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DISTANCE_BASES = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DISTANCE_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/** Writes bits least significant first, as DEFLATE packs them. */
class BitWriter {
  private bytes = new Uint8Array(1024);
  private length = 0;
  private pending = 0;
  private pendingBits = 0;

  write(value: number, bits: number): void {
    this.pending |= value << this.pendingBits;
    this.pendingBits += bits;
    while (this.pendingBits >= 8) {
      this.push(this.pending & 0xff);
      this.pending >>>= 8;
      this.pendingBits -= 8;
    }
  }

  /** A Huffman code goes most significant bit first. */
  writeCode(code: number, bits: number): void {
    let reversed = 0;
    for (let bit = 0; bit < bits; bit += 1) reversed |= ((code >>> bit) & 1) << (bits - 1 - bit);
    this.write(reversed, bits);
  }

  push(byte: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length] = byte;
    this.length += 1;
  }

  /** Pads the last byte with zero bits and returns everything written. */
  finish(): Uint8Array {
    if (this.pendingBits > 0) this.push(this.pending & 0xff);
    this.pending = 0;
    this.pendingBits = 0;
    return this.bytes.subarray(0, this.length);
  }
}

/** The fixed literal/length code of a symbol (0-287). */
function writeLiteralOrLength(out: BitWriter, symbol: number): void {
  if (symbol < 144) out.writeCode(0x30 + symbol, 8);
  else if (symbol < 256) out.writeCode(0x190 + symbol - 144, 9);
  else if (symbol < 280) out.writeCode(symbol - 256, 7);
  else out.writeCode(0xc0 + symbol - 280, 8);
}

/** The index of the last base not above `value`. */
function bucketOf(bases: number[], value: number): number {
  let index = bases.length - 1;
  while (bases[index] > value) index -= 1;
  return index;
}

function writeMatch(out: BitWriter, length: number, distance: number): void {
  const lengthIndex = bucketOf(LENGTH_BASES, length);
  writeLiteralOrLength(out, 257 + lengthIndex);
  out.write(length - LENGTH_BASES[lengthIndex], LENGTH_EXTRA[lengthIndex]);
  const distanceIndex = bucketOf(DISTANCE_BASES, distance);
  out.writeCode(distanceIndex, 5);
  out.write(distance - DISTANCE_BASES[distanceIndex], DISTANCE_EXTRA[distanceIndex]);
}

export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  // 5552 bytes is the most that can be summed before the modulo without leaving 32 bits.
  for (let start = 0; start < data.length; start += 5552) {
    const end = Math.min(start + 5552, data.length);
    for (let index = start; index < end; index += 1) {
      a += data[index];
      b += a;
    }
    a %= 65_521;
    b %= 65_521;
  }
  return ((b << 16) | a) >>> 0;
}

/** `data` compressed into a zlib stream, as a PNG's IDAT chunks carry it. */
export function zlibCompress(data: Uint8Array): Uint8Array {
  const out = new BitWriter();
  out.push(0x78); // deflate, 32 KiB window
  out.push(0x01); // no preset dictionary, fastest-level hint; (0x78 << 8 | 0x01) % 31 === 0
  out.write(1, 1); // the final block
  out.write(1, 2); // fixed Huffman codes

  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const previous = new Int32Array(WINDOW).fill(-1);
  const hashAt = (index: number) => ((data[index] << 10) ^ (data[index + 1] << 5) ^ data[index + 2]) & ((1 << HASH_BITS) - 1);
  const remember = (index: number) => {
    if (index + MIN_MATCH > data.length) return;
    const hash = hashAt(index);
    previous[index % WINDOW] = head[hash];
    head[hash] = index;
  };

  let position = 0;
  while (position < data.length) {
    let bestLength = 0;
    let bestDistance = 0;
    if (position + MIN_MATCH <= data.length) {
      const limit = Math.min(MAX_MATCH, data.length - position);
      let candidate = head[hashAt(position)];
      for (let chain = 0; candidate >= 0 && position - candidate <= WINDOW && chain < MAX_CHAIN; chain += 1) {
        let length = 0;
        while (length < limit && data[candidate + length] === data[position + length]) length += 1;
        if (length > bestLength) {
          bestLength = length;
          bestDistance = position - candidate;
          if (length === limit) break;
        }
        candidate = previous[candidate % WINDOW];
      }
    }
    if (bestLength >= MIN_MATCH) {
      writeMatch(out, bestLength, bestDistance);
      for (let index = position; index < position + bestLength; index += 1) remember(index);
      position += bestLength;
    } else {
      writeLiteralOrLength(out, data[position]);
      remember(position);
      position += 1;
    }
  }
  writeLiteralOrLength(out, 256); // end of block
  const checksum = adler32(data);
  const body = out.finish();
  const stream = new Uint8Array(body.length + 4);
  stream.set(body);
  new DataView(stream.buffer).setUint32(body.length, checksum);
  return stream;
}
