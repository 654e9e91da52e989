import type { Redis } from 'ioredis';

/** Calls per command since the server started, from INFO commandstats (commands run inside Lua scripts included). */
export type CommandCalls = Record<string, number>;

/** Redis commands per event over a stretch of a stage: the total and the commands that make it up. */
export interface RedisCommandsPerEvent {
  total: number;
  /** Per command, largest first; those under 0.01 per event are left out. */
  byCommand: Record<string, number>;
  /** The events the calls were divided by. */
  events: number;
}

export async function commandCalls(client: Redis): Promise<CommandCalls> {
  const stats = await client.info('commandstats');
  return Object.fromEntries([...stats.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)].map(([, name, calls]) => [name, Number(calls)]));
}

/**
 * Snapshots Redis's command statistics now; `perEvent(events)` reads them again and divides
 * what ran in between by the events (the stage's acknowledged requests or deliveries). Only
 * what the stage runs should reach this Redis meanwhile: the snapshots' own INFO calls are left out.
 */
export async function countRedisCommands(client: Redis): Promise<{ perEvent(events: number): Promise<RedisCommandsPerEvent> }> {
  const before = await commandCalls(client);
  return {
    async perEvent(events) {
      const after = await commandCalls(client);
      const ran = Object.entries(after)
        .filter(([name]) => name !== 'info')
        .map(([name, calls]) => [name, calls - (before[name] ?? 0)] as const);
      const share = (calls: number) => (events > 0 ? calls / events : 0);
      const byCommand = Object.fromEntries(
        ran
          .map(([name, calls]) => [name, share(calls)] as const)
          .filter(([, perEvent]) => perEvent >= 0.01)
          .sort((a, b) => b[1] - a[1]),
      );
      return { total: share(ran.reduce((sum, [, calls]) => sum + calls, 0)), byCommand, events };
    },
  };
}
