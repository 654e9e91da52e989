import type { Redis } from 'ioredis';

/**
 * The commands per name a Redis server ran while `work` ran, from INFO commandstats, which
 * counts every command, those run inside scripts included (the counting itself left out).
 */
export async function commandsDuring(client: Redis, work: () => Promise<unknown>): Promise<Record<string, number>> {
  await client.config('RESETSTAT');
  await work();
  const stats = await client.info('commandstats');
  const counts: Record<string, number> = {};
  for (const [, name, calls] of stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) counts[name] = Number(calls);
  delete counts.config;
  delete counts.info;
  return counts;
}
