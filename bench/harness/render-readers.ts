import type { ReadersResult, ReadersRun } from './stages/readers';
import { DEAD_LETTERS_PER_SECOND, READERS } from './stages/readers';

/** The readers stage's part of docs/benchmarks.md: its target rows and its section. */
export const READERS_P99_MS = 50;

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const fixed = (value: number, digits = 1) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const percent = (value: number) => `${Math.round(value * 100)}%`;

const limitLabel = (run: ReadersRun) => (run.limit === 'default' ? 'default ops limit' : 'ops limit lifted');

export function readersTargetRows(result: ReadersResult | undefined): string[] {
  if (!result) return [];
  return result.runs.flatMap((run) => {
    const baseline = run.phases.find((entry) => entry.name === 'baseline')!;
    return run.phases
      .filter((entry) => entry.readers > 0)
      .map((entry) => {
        const p99 = entry.ack.latency.p99;
        const met = p99 < READERS_P99_MS;
        const load = [
          ...(entry.readers > 0 ? [`${entry.readers} readers of /status/data and /metrics`] : []),
          ...(entry.deadLettersPerSecond > 0 ? [`${entry.deadLettersPerSecond} new dead letters/s, alerts on`] : []),
        ];
        const what = `${load.join(' and ')}, ${int(result.seededDeadLetters)} dead letters stored (${limitLabel(run)})`;
        return (
          `| p99 acknowledgement, ${what} | < ${READERS_P99_MS} ms | ${fixed(p99)} ms (${fixed(p99 / baseline.ack.latency.p99, 2)}x the ${fixed(baseline.ack.latency.p99)} ms without readers) | ` +
          `${met ? 'yes' : '**no**'} | ${met ? '' : `${fixed(p99 / READERS_P99_MS)}x the limit`} |`
        );
      });
  });
}

export function readersSection(result: ReadersResult | undefined, note: string): string[] {
  const lines = ['## Ingest while operators read (SQLite)', ''];
  if (!result) return [...lines, note, ''];
  lines.push(
    `A runtime (\`--role both\`, SQLite, alerts on) started on a file holding ${int(result.seededDeadLetters)} open dead letters (${fixed(result.seededMb, 0)} MB of records, about 5 KB each). ` +
      `Signed Stripe events are acknowledged open loop at ${int(result.ackRate)}/s over 16 connections, latency counted from when each was due; they match no destination, so besides them the process serves the reads and writes the new dead letters. ` +
      `Each phase lasts ${int(result.phaseSeconds)} s: alone (the baseline); with ${READERS} clients reading \`/status/data\` and \`/metrics\` in turn as fast as answers come, each from a loopback address of its own; ` +
      `with ${DEAD_LETTERS_PER_SECOND} new dead letters a second and no readers (events for a destination that refuses them with a 400, each new dead letter checked against the alert threshold: what the dead letters' own writes cost); and with both. ` +
      'The phases run twice: with the default ops rate limit (10 reads a second and bursts of 20 per address), and with it lifted so every read is served and what is measured is the reads\' own cost. ' +
      'The reads take one page of 100 records and the counts from the status index, and the status data is built at most once a second; before, each read parsed the whole table.',
    '',
    '| Ops limit | Phase | Acks/s | p50 ms | p99 ms | p99.9 ms | Max ms | p99 / baseline | Reads served/s | Read p50 ms | Reads answered 429/s | Runtime CPU | Failed acks |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const run of result.runs) {
    const baseline = run.phases.find((entry) => entry.name === 'baseline')!;
    for (const entry of run.phases) {
      const { latency } = entry.ack;
      const failed = entry.ack.non2xx + entry.ack.errors + entry.ack.timeouts;
      lines.push(
        `| ${run.limit} | ${entry.name} | ${int(entry.ack.okPerSecond)} | ${fixed(latency.p50)} | ${fixed(latency.p99)} | ${fixed(latency.p99_9)} | ${fixed(latency.max, 0)} | ` +
          `${fixed(latency.p99 / baseline.ack.latency.p99, 2)}x | ${entry.readers > 0 ? int(entry.readsPerSecond) : '–'} | ${entry.readLatency ? fixed(entry.readLatency.p50) : '–'} | ` +
          `${entry.readers > 0 ? int(entry.limitedPerSecond) : '–'} | ${entry.ack.cpu.runtime !== undefined ? percent(entry.ack.cpu.runtime) : '–'} | ${int(failed)} |`,
      );
    }
  }
  lines.push(
    '',
    ...result.runs.map((run) => `- ${limitLabel(run)}: ${int(run.openAtEnd)} dead letters open at the end, ${int(run.alertsPosted)} alert${run.alertsPosted === 1 ? '' : 's'} posted (one per kind per window).`),
    '',
    note,
    '',
  );
  return lines;
}
