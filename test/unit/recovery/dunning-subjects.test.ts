import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_CODES, decideRecovery, type Attempt } from '../../../core/recovery';
import { signalsCarrying } from './code-signals';

const HOUR = 3_600_000;
const FAILED_AT = Date.parse('2026-03-10T12:00:00Z');

/** The subject map of the dunning template's `Choose Customer Message` step, as the template ships it. */
function templateSubjects(): Record<string, string> {
  const workflow = JSON.parse(readFileSync(join(__dirname, '../../../workflows-templates/dunning/workflow.json'), 'utf8'));
  const code: string = workflow.nodes.find((node: { name: string }) => node.name === 'Choose Customer Message').parameters.jsCode;
  const literal = code.match(/const subjects = (\{[^}]*\});/)?.[1];
  if (!literal) throw new Error('Choose Customer Message no longer declares `const subjects = {...};`');
  return new Function(`return ${literal};`)();
}

/** Every reason a decision on the Ask Customer branch carries: each table code decided fresh, and after the retries ran out. */
function askReasons(): Set<string> {
  const exhausted: Attempt[] = Array.from({ length: 10 }, (_, i) => ({ at: FAILED_AT - (i + 1) * 48 * HOUR }));
  const decisions = ALL_CODES.flatMap((rule) => [[], exhausted].map((attempts) =>
    decideRecovery({ signals: signalsCarrying(rule), failedAt: FAILED_AT, attempts, now: FAILED_AT })));
  return new Set(decisions.filter((decision) => decision.action === 'ask_customer').map((decision) => decision.reason));
}

describe('dunning template subjects', () => {
  test('every reason Payment Recovery can ask the customer about has a subject, and every subject belongs to such a reason', () => {
    const subjects = templateSubjects();
    const reasons = askReasons();
    expect([...reasons].filter((reason) => !subjects[reason])).toEqual([]);
    expect(Object.keys(subjects).filter((key) => !reasons.has(key))).toEqual([]);
    expect(reasons).toContain('incorrect_card_details');
  });
});
