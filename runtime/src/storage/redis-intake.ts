import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { claimedValue, COMPLETED_VALUE_PREFIX } from '../../../core/idempotency/redis';
import { decodeRiskCounts, RISK_BATCH_LUA, RiskBatchEncoder, type RiskCall } from '../../../core/risk/redis';
import type { RiskWindowStore } from '../../../core/risk/types';
import { TurnBatch } from '../../../core/turn-batch';

/**
 * Ingress's first round trip in Redis mode: the claims of the events read in one event-loop
 * turn and the risk windows scored for them, in one script. A risk call names the idempotency
 * key of its event (its gate) and runs only when that key is not completed, so a duplicate
 * never feeds the windows: a replayed request cannot inflate a customer's attempts or a
 * source's volume. The gate is read from the claim the same script just made, or, for a call
 * whose claim went out in an earlier batch, from the key as it stands.
 *
 * KEYS: the claimed keys, then gates claimed in no claim of this batch, then the windows' keys.
 * ARGV: the number of claims, the lease, the risk calls as JSON (each with `g`, its gate's index
 * in KEYS), the calls' time, 1 to trim every window, then a claim value per claimed key.
 * Returns the calls' counts as JSON (`false` for a skipped call), then what held each claimed key.
 */
const INTAKE_SCRIPT = `${RISK_BATCH_LUA}
local claims = tonumber(ARGV[1])
local completedPrefix = '${COMPLETED_VALUE_PREFIX}'
local function isCompleted(value)
  return value ~= false and string.sub(value, 1, #completedPrefix) == completedPrefix
end
local replies, completed = {}, {}
for i = 1, claims do
  local held = redis.call('SET', KEYS[i], ARGV[5 + i], 'NX', 'PX', ARGV[2], 'GET')
  replies[i + 1] = held
  completed[i] = isCompleted(held)
end
local calls = cjson.decode(ARGV[3])
local live, liveAt = {}, {}
for c, call in ipairs(calls) do
  if completed[call.g] == nil then completed[call.g] = isCompleted(redis.call('GET', KEYS[call.g])) end
  if not completed[call.g] then
    table.insert(live, call)
    table.insert(liveAt, c)
  end
end
local counts = {}
if #live > 0 then counts = riskBatch(live, tonumber(ARGV[4]), ARGV[5] == '1') end
local results = {}
for c = 1, #calls do results[c] = false end
for l, c in ipairs(liveAt) do results[c] = counts[l] end
replies[1] = cjson.encode(results)
return replies`;

type ScriptedRedis = Redis & { storageIntake(numKeys: number, ...args: Array<string | number>): Promise<Array<string | null>> };

/** An event's claim, or a risk window call scored for the event whose key is `gate`. */
type IntakeItem = { claim: string } | { risk: RiskCall; gate: string };
/** What held a claimed key (null: nobody), or a call's counts (false: skipped, the key was completed). */
type IntakeAnswer = string | null | number[] | false;

/** A risk call of an event whose key was already completed: the intake skipped it, and nobody reads its lane. */
export class DuplicateNotScored extends Error {
  constructor() {
    super('the event is a duplicate: its risk windows were not counted');
  }
}

export interface RedisIntakeOptions {
  /** The Redis key of an event's idempotency key. */
  idempotencyKey: (key: string) => string;
  /** Prepended to every risk window's key. */
  riskPrefix: string;
  /** How long a claim holds its key before another request may store the event. */
  leaseMs: number;
}

export class RedisIntake {
  private readonly client: ScriptedRedis;
  private readonly encoder: RiskBatchEncoder;
  private readonly batch = new TurnBatch<IntakeItem, IntakeAnswer>((items) => this.run(items), setImmediate);

  constructor(
    client: Redis,
    private readonly options: RedisIntakeOptions,
  ) {
    this.client = client as ScriptedRedis;
    this.client.defineCommand('storageIntake', { lua: INTAKE_SCRIPT });
    this.encoder = new RiskBatchEncoder(options.riskPrefix);
  }

  /** Takes the key unless it is taken; answers what held it (null for a new claim). */
  async claim(key: string): Promise<string | null> {
    return (await this.batch.add({ claim: key })) as string | null;
  }

  /**
   * The risk windows of the event whose idempotency key is `key`: calls made in the same turn
   * as its claim ride in the claim's script. A call rejects with DuplicateNotScored when the key
   * was already completed.
   */
  windowsFor(key: string): RiskWindowStore {
    const run = async (call: RiskCall): Promise<number[]> => {
      const counts = (await this.batch.add({ risk: call, gate: key })) as number[] | false;
      if (counts === false) throw new DuplicateNotScored();
      return counts;
    };
    return {
      slide: async (ops, now) => (ops.length === 0 ? [] : run(this.encoder.slide(ops, now))),
      bucket: (bucketKey, now, bucketMs, history) => run(this.encoder.bucket(bucketKey, now, bucketMs, history)),
      close: async () => undefined,
    };
  }

  private async run(items: IntakeItem[]): Promise<IntakeAnswer[]> {
    const keys: string[] = [];
    const claimValues: string[] = [];
    const gateAt = new Map<string, number>();
    for (const item of items) {
      if (!('claim' in item)) continue;
      keys.push(this.options.idempotencyKey(item.claim));
      claimValues.push(claimedValue(randomUUID()));
      if (!gateAt.has(item.claim)) gateAt.set(item.claim, keys.length);
    }
    const claims = keys.length;
    const riskItems = items.filter((item): item is Extract<IntakeItem, { risk: RiskCall }> => 'risk' in item);
    for (const { gate } of riskItems) {
      if (!gateAt.has(gate)) gateAt.set(gate, keys.push(this.options.idempotencyKey(gate)));
    }
    const { calls, now, trimAll } = this.encoder.encode(
      riskItems.map(({ risk }) => risk),
      keys,
    );
    const gated = calls.map((call, index) => ({ ...call, g: gateAt.get(riskItems[index].gate) }));
    const [countsJson, ...held] = await this.client.storageIntake(
      keys.length,
      ...keys,
      claims,
      this.options.leaseMs,
      JSON.stringify(gated),
      now,
      trimAll,
      ...claimValues,
    );
    // With no risk call the script encodes an empty table, which cjson writes as an object.
    const counts = riskItems.length > 0 ? decodeRiskCounts(countsJson!) : [];
    let nextClaim = 0;
    let nextCall = 0;
    return items.map((item) => ('claim' in item ? held[nextClaim++] : counts[nextCall++]));
  }
}
