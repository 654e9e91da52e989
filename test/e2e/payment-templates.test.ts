import { declaredByPackage, packNodePackage } from './support/package-tarball';
import { matrixVersions } from './support/n8n-install';
import { checkoutCompleted, invoiceEvent, paymentFailed, paymentSucceeded, post, sign, type SignedRequest } from './support/stripe-events';
import { IDEMPOTENCY_PATH, IDEMPOTENCY_WORKFLOW_ID, idempotencyWorkflow } from './support/test-workflows';
import { replayHeaders, startWorld, type World } from './support/world';
import { traceIdFor } from '../../runtime/src/tracing/ids';
import { startRuntime } from './support/runtime-process';
import type { ReceivedMail } from './support/smtp-sink';
import { CREDENTIAL_IDS } from './support/credentials';
import { CHAT_COMPLETIONS_PATH, chatCompletionsResponder, draftedMessage, messageText, type ChatMessage } from './support/openai-stand-in';

/*
 * Our package installed into real n8n releases the way n8n installs community packages,
 * driven by Stripe-SDK-signed webhooks, with the outside world (SMTP, CRM, accounting,
 * Stripe's API, a fast lane) on loopback. One n8n per version hosts every template.
 */
jest.setTimeout(10 * 60_000);

let tarball: string;
beforeAll(() => {
  tarball = packNodePackage();
});

const ids = (world: World) => ({
  receipts: world.templates.receipts.id,
  crm: world.templates['crm-sync'].id,
  dunning: world.templates.dunning.id,
  reconciliation: world.templates.reconciliation.id,
  guard: world.templates['card-testing-guard'].id,
  deadLetters: world.templates['dead-letters'].id,
});

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const mailTo = (world: World, address: string) => world.smtp.messages.filter((mail) => mail.to.includes(address));

async function mailWhere(world: World, predicate: (mail: ReceivedMail) => boolean, timeoutMs = 60_000): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = world.smtp.messages.find(predicate);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`no such email; received: ${JSON.stringify(world.smtp.messages.map((mail) => [mail.to, mail.subject]))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.each(matrixVersions())('n8n %s', (version) => {
  let world: World;
  const webhook = (path: string) => world.n8n.webhookUrl(path);
  const send = (path: string, request: SignedRequest) => post(webhook(path), request);
  const nodesRun = (executionId: string) => world.n8n.executions.nodesRun(executionId);

  beforeAll(async () => {
    world = await startWorld({ version, tarball, workflows: [idempotencyWorkflow()] });
  });
  afterAll(async () => {
    await world?.stop();
  });

  test('n8n loads every node and credential the package declares', async () => {
    const declared = declaredByPackage();
    const typeName = (file: string) => {
      const base = /([^/]+)\.(node|credentials)\.js$/.exec(file)![1];
      return base.charAt(0).toLowerCase() + base.slice(1);
    };
    const nodes = (await (await world.owner.rest('GET', '/types/nodes.json')).json()) as Array<{ name: string }>;
    const credentials = (await (await world.owner.rest('GET', '/types/credentials.json')).json()) as Array<{ name: string }>;
    const loadedNodes = new Set(nodes.map((node) => node.name));
    const loadedCredentials = new Set(credentials.map((credential) => credential.name));
    expect(declared.nodes.length).toBeGreaterThan(0);
    for (const file of declared.nodes) expect(loadedNodes).toContain(`n8n-nodes-payment-webhooks.${typeName(file)}`);
    for (const file of declared.credentials) expect(loadedCredentials).toContain(typeName(file));
  });

  describe('Stripe trigger and idempotency (issue 4)', () => {
    let request: SignedRequest;

    test('a signed event runs once, through the New branch', async () => {
      request = sign(paymentSucceeded({ amount: 4200, currency: 'usd', email: 'idem@example.com' }), world.stripeSecret);
      expect((await send(IDEMPOTENCY_PATH, request)).status).toBe(200);
      const [first] = await world.n8n.executions.waitForFinished(IDEMPOTENCY_WORKFLOW_ID, 1);
      expect(first.status).toBe('success');
      expect(nodesRun(first.id)).toEqual(expect.arrayContaining(['Stripe Webhook', 'Payment Idempotency', 'New', 'Complete']));
      expect(nodesRun(first.id)).not.toContain('Duplicate');
      const [event] = world.n8n.executions.outputOf(first.id, 'Stripe Webhook')[0];
      expect(event).toMatchObject({ provider: 'stripe', kind: 'payment.succeeded', amount: { minor: 4200, currency: 'USD' } });
    });

    test('the same request again takes the Duplicate branch', async () => {
      expect((await send(IDEMPOTENCY_PATH, request)).status).toBe(200);
      const runs = await world.n8n.executions.waitForFinished(IDEMPOTENCY_WORKFLOW_ID, 2);
      expect(runs).toHaveLength(2);
      expect(nodesRun(runs[1].id)).toContain('Duplicate');
      expect(nodesRun(runs[1].id)).not.toContain('New');
    });

    test('a tampered request gets 401 and starts no execution', async () => {
      const tampered = { ...request, body: request.body.replace('"amount":4200', '"amount":1') };
      expect(tampered.body).not.toBe(request.body);
      const response = await send(IDEMPOTENCY_PATH, tampered);
      expect(response.status).toBe(401);
      // A valid request sent afterwards is executed after the tampered one would have been.
      const control = sign(paymentSucceeded({ amount: 100, currency: 'usd' }), world.stripeSecret);
      expect((await send(IDEMPOTENCY_PATH, control)).status).toBe(200);
      const runs = await world.n8n.executions.waitForFinished(IDEMPOTENCY_WORKFLOW_ID, 3);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(world.n8n.executions.list(IDEMPOTENCY_WORKFLOW_ID)).toHaveLength(3);
      expect(world.n8n.executions.outputOf(runs[2].id, 'Stripe Webhook')[0][0]).toMatchObject({ amount: { minor: 100 } });
    });
  });

  describe('receipts template', () => {
    test('the same signed event twice produces one receipt, amount formatted for the currency', async () => {
      const request = sign(paymentSucceeded({ amount: 1999, currency: 'usd', email: 'ada@example.com' }), world.stripeSecret);
      // Back to back, as a gateway retrying at once: the second finds the first still running.
      const answers = await Promise.all([send('stripe-receipts', request), send('stripe-receipts', request)]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      const mail = await mailWhere(world, (candidate) => candidate.to.includes('ada@example.com'));
      expect(mail.subject).toBe('Your receipt: $19.99');
      expect(mail.text).toContain('<strong>$19.99</strong>');
      expect(mail.from).toBe('payments@example.com');
      const runs = await world.n8n.executions.waitForFinished(ids(world).receipts, 2);
      expect(runs.map((run) => run.status)).toEqual(['success', 'success']);
      expect(runs.filter((run) => nodesRun(run.id).includes('Send Receipt'))).toHaveLength(1);

      // Later, once the first has completed: the Duplicate branch.
      expect((await send('stripe-receipts', request)).status).toBe(200);
      const [, , third] = await world.n8n.executions.waitForFinished(ids(world).receipts, 3);
      expect(nodesRun(third.id)).toContain('Already Sent');
      expect(nodesRun(third.id)).not.toContain('Send Receipt');
      expect(mailTo(world, 'ada@example.com')).toHaveLength(1);
    });

    test('a checkout in a zero-decimal currency: no decimals, the customer greeted by name', async () => {
      const request = sign(checkoutCompleted({ amount: 5000, currency: 'jpy', email: 'kenji@example.com', name: 'Kenji Sato' }), world.stripeSecret);
      expect((await send('stripe-receipts', request)).status).toBe(200);
      const mail = await mailWhere(world, (candidate) => candidate.to.includes('kenji@example.com'));
      expect(mail.subject).toBe('Your receipt: ¥5,000');
      expect(mail.text).toContain('Hello Kenji Sato,');
      expect(mail.text).toContain('Order order-2001');
    });

    test('through the connector runtime, the same event twice also produces one receipt', async () => {
      const runtime = await startRuntime({
        stripeSecret: world.stripeSecret,
        destinationUrl: webhook(`runtime-${ids(world).receipts}`),
        deliverySecret: world.deliverySecret,
      });
      try {
        const before = world.n8n.executions.list(ids(world).receipts).length;
        const request = sign(paymentSucceeded({ amount: 750, currency: 'gbp', email: 'via-runtime@example.com' }), world.stripeSecret);
        expect((await post(`${runtime.url}/webhooks/stripe`, request)).status).toBe(200);
        expect((await post(`${runtime.url}/webhooks/stripe`, request)).status).toBe(200);
        const mail = await mailWhere(world, (candidate) => candidate.to.includes('via-runtime@example.com'));
        expect(mail.subject).toBe('Your receipt: £7.50');
        const runs = await world.n8n.executions.waitForFinished(ids(world).receipts, before + 1);
        expect(nodesRun(runs[before].id)).toContain('From Runtime or Replay');
        // The execution joins the event's trace: the trigger's item carries the trace id the runtime sent.
        const [[item]] = world.n8n.executions.outputOf(runs[before].id, 'From Runtime or Replay');
        expect(item.trace).toMatchObject({ traceId: traceIdFor(String(item.idempotencyKey)) });
        // Time for a second delivery, were the runtime to make one.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        expect(world.n8n.executions.list(ids(world).receipts)).toHaveLength(before + 1);
        expect(mailTo(world, 'via-runtime@example.com')).toHaveLength(1);
      } finally {
        await runtime.stop();
      }
    });
  });

  describe('CRM sync template and the dead letters', () => {
    test('an invoice event upserts the customer and records the payment status over HTTP', async () => {
      const event = invoiceEvent('invoice.paid', { invoice: 'in_crm_1', amountPaid: 2500, amountDue: 2500, currency: 'eur', customer: 'cus_crm_1', email: 'crm@example.com' });
      expect((await send('stripe-crm-sync', sign(event, world.stripeSecret))).status).toBe(200);
      const [upsert] = await world.outside.waitFor('PUT', /^\/crm\/customers\/cus_crm_1$/, 1);
      expect(upsert.json).toMatchObject({ id: 'cus_crm_1', email: 'crm@example.com', provider: 'stripe' });
      const [status] = await world.outside.waitFor('POST', /^\/crm\/payment-statuses$/, 1);
      expect(status.json).toMatchObject({ eventId: `stripe:${event.id}`, kind: 'invoice.paid', invoiceId: 'in_crm_1', amount: { minor: 2500, currency: 'EUR' } });
    });

    test('a CRM failure lands in the dead letters; a replay after recovery completes it once', async () => {
      world.outside.respond((request) => (request.path.startsWith('/crm/') ? { status: 500, body: { error: 'CRM down' } } : { status: 200, body: { ok: true } }));
      const event = invoiceEvent('invoice.payment_failed', { invoice: 'in_crm_2', amountPaid: 0, amountDue: 9900, currency: 'usd', customer: 'cus_crm_2', email: 'late@example.com' });
      const request = sign(event, world.stripeSecret);
      const key = `stripe:${event.id}`;
      try {
        expect((await send('stripe-crm-sync', request)).status).toBe(200);
        const alert = await mailWhere(world, (mail) => mail.subject.includes(key));
        expect(alert.to).toEqual(['payments-team@example.com']);
        expect(alert.subject).toBe(`Payment event dead-lettered: invoice.payment_failed ${key}`);
        const deadLetterId = /Dead letter: <code>([^<]+)<\/code>/.exec(alert.text)?.[1];
        expect(deadLetterId).toBeDefined();
        const failed = world.n8n.executions.list(ids(world).crm).filter((run) => run.status === 'error');
        expect(failed).toHaveLength(1);

        world.outside.respond(() => ({ status: 200, body: { ok: true } }));
        const replay = await fetch(webhook('dead-letters/replay'), { method: 'POST', headers: replayHeaders(world), body: JSON.stringify({ id: deadLetterId }) });
        expect(replay.status).toBe(200);
        const statuses = await world.outside.waitFor('POST', /^\/crm\/payment-statuses$/, 2);
        const forEvent = () => world.outside.matching('POST', /^\/crm\/payment-statuses$/).filter((r) => (r.json as { eventId?: string }).eventId === key);
        expect(statuses.filter((r) => (r.json as { eventId?: string }).eventId === key)).toHaveLength(1);

        // The gateway retrying the same event now finds it completed.
        expect((await send('stripe-crm-sync', request)).status).toBe(200);
        const runs = await world.n8n.executions.waitForFinished(ids(world).crm, 4);
        expect(nodesRun(runs[3].id)).toContain('Already Synced');
        expect(forEvent()).toHaveLength(1);
      } finally {
        world.outside.respond(() => ({ status: 200, body: { ok: true } }));
      }
    });
  });

  describe('dunning template', () => {
    // The recorder also plays OpenAI's chat-completions API for the AI step, with a recorded answer.
    beforeAll(() => world.outside.respond(chatCompletionsResponder(() => ({ status: 200, body: { ok: true } }))));
    afterAll(() => world.outside.respond(() => ({ status: 200, body: { ok: true } })));
    const minutesAgo = (minutes: number) => Math.floor(Date.now() / 1000) - minutes * 60;

    test('a technical decline is retried at Stripe once its retry time has come', async () => {
      const event = paymentFailed({ amount: 3000, currency: 'usd', email: 'retry@example.com', code: 'card_declined', declineCode: 'processing_error' });
      event.created = minutesAgo(20);
      expect((await send('stripe-dunning', sign(event, world.stripeSecret))).status).toBe(200);
      const paymentIntent = (event.data.object as { id: string }).id;
      const [retry] = await world.outside.waitFor('POST', new RegExp(`^/stripe/v1/payment_intents/${paymentIntent}/confirm$`), 1);
      expect(retry.headers.authorization).toBe('Bearer sk_test_e2e_loopback');
    });

    test('a soft decline waits until the next attempt time', async () => {
      const event = paymentFailed({ amount: 3000, currency: 'usd', email: 'later@example.com', code: 'card_declined', declineCode: 'insufficient_funds' });
      expect((await send('stripe-dunning', sign(event, world.stripeSecret))).status).toBe(200);
      const deadline = Date.now() + 60_000;
      let waiting: Array<{ id: string; waitTill: string | null }> = [];
      while (waiting.length === 0 && Date.now() < deadline) {
        waiting = world.n8n.executions.list(ids(world).dunning).filter((run) => run.status === 'waiting');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(waiting).toHaveLength(1);
      const hoursAway = (Date.parse(`${waiting[0].waitTill!.replace(' ', 'T')}${waiting[0].waitTill!.endsWith('Z') ? '' : 'Z'}`) - Date.now()) / 3_600_000;
      expect(hoursAway).toBeGreaterThan(1);
    });

    // The AI step's prompt as the OpenAI stand-in received it: the system message and the user message.
    const promptsSent = () =>
      world.outside.matching('POST', new RegExp(`^${CHAT_COMPLETIONS_PATH}$`)).map((request) => (request.json as { messages: ChatMessage[] }).messages);

    /** The dunning execution that handled an event, once n8n has stored it (finished, or waiting for the retry). */
    async function executionOf(key: string, timeoutMs = 60_000) {
      const handled = (run: { id: string; status: string }) => {
        if (['new', 'running'].includes(run.status)) return false;
        const runData = world.n8n.executions.data(run.id).resultData.runData;
        return ['Stripe Webhook', 'From Runtime or Replay'].some((trigger) => runData[trigger]?.[0].data?.main?.[0]?.[0]?.json.idempotencyKey === key);
      };
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = world.n8n.executions.list(ids(world).dunning).find(handled);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no stored dunning execution for ${key}: ${JSON.stringify(world.n8n.executions.list(ids(world).dunning))}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    test('an expired card: the AI step drafts the customer\'s email from a masked prompt, and the payment is tried again when it says', async () => {
      const cardNumber = '4000 0566 5566 5556';
      const leakedKey = 'sk_live_51NcE2eDunningNeverSent0123456789';
      const event = paymentFailed({
        amount: 12_345, currency: 'eur', email: 'expired@example.com', code: 'expired_card', declineCode: 'expired_card',
        message: `Your card ${cardNumber} has expired. (request key ${leakedKey})`,
      });
      const before = promptsSent().length;
      expect((await send('stripe-dunning', sign(event, world.stripeSecret))).status).toBe(200);
      const mail = await mailWhere(world, (candidate) => candidate.to.includes('expired@example.com'));
      expect(mail.subject).toBe('Your card has expired');
      expect(mail.text).toContain(escapeHtml(draftedMessage));
      expect(mail.text).toContain('<strong>€123.45</strong>');
      expect(mail.text).not.toContain('The card we have on file for you has expired');

      expect(promptsSent()).toHaveLength(before + 1);
      const [system, user] = promptsSent()[before];
      expect([system.role, user.role]).toEqual(['system', 'user']);
      const prompt = messageText(user);
      const key = `stripe:${event.id}`;
      const execution = await executionOf(key);
      const recovery = world.n8n.executions.outputOf(execution.id, 'Payment Recovery')[1][0].recovery as { nextAttemptAt: string };
      const retryDate = new Intl.DateTimeFormat('en-US', { dateStyle: 'full', timeZone: 'UTC' }).format(new Date(recovery.nextAttemptAt));
      expect(prompt).toContain('What happened: the card on file has expired.');
      expect(prompt).toContain('What the customer should do: add a new card or another payment method.');
      expect(prompt).toContain('Amount due: €123.45');
      expect(prompt).toContain(`the payment will be tried again on ${retryDate}`);
      expect(prompt).toContain("The bank's message: Your card [card number] has expired. (request key [secret])");
      const sent = `${messageText(system)}\n${prompt}`;
      for (const secret of [cardNumber, cardNumber.replace(/ /g, ''), leakedKey, 'expired@example.com', world.stripeSecret, 'sk_test_e2e_loopback']) {
        expect(sent).not.toContain(secret);
      }
      // Nothing of the gateway's payload: no ids, no field names.
      for (const raw of [event.id, (event.data.object as { id: string }).id, 'last_payment_error', 'payment_intent', 'fp_e2e', '{']) expect(sent).not.toContain(raw);

      // What the workflow did with the answer: the drafted text is the email's body, then the retry waits for the date it names.
      const [[chosen]] = world.n8n.executions.outputOf(execution.id, 'Choose Customer Message');
      expect(chosen.dunningEmail).toMatchObject({ body: draftedMessage, draftedBy: 'ai' });
      expect(world.n8n.executions.nodesRun(execution.id)).toEqual(expect.arrayContaining(['Retry Planned?', 'Complete (Retry Scheduled)', 'Wait Until Next Attempt']));
      expect(Date.parse(recovery.nextAttemptAt) - Date.now()).toBeGreaterThan(3_600_000);
    });

    test('a suspected fraud goes to the team for review', async () => {
      const event = paymentFailed({ amount: 5000, currency: 'usd', email: 'fraud@example.com', code: 'card_declined', declineCode: 'fraudulent' });
      expect((await send('stripe-dunning', sign(event, world.stripeSecret))).status).toBe(200);
      const mail = await mailWhere(world, (candidate) => candidate.subject.includes(`stripe:${event.id}`));
      expect(mail.to).toEqual(['payments-team@example.com']);
      expect(mail.subject).toMatch(/^Payment needs review|^Payment collection stopped/);
    });

    // Last of the dunning tests: it removes the OpenAI credential.
    test('without an OpenAI credential the customer gets the deterministic message, and the model is not called', async () => {
      await world.owner.rest('DELETE', `/rest/credentials/${CREDENTIAL_IDS.openAi}`);
      const before = promptsSent().length;
      const event = paymentFailed({ amount: 5000, currency: 'jpy', email: 'no-ai@example.com', code: 'expired_card', declineCode: 'expired_card' });
      expect((await send('stripe-dunning', sign(event, world.stripeSecret))).status).toBe(200);
      const mail = await mailWhere(world, (candidate) => candidate.to.includes('no-ai@example.com'));
      expect(mail.subject).toBe('Your card has expired');
      expect(mail.text).toContain('The card we have on file for you has expired. Please add your new card so your payment can go through.');
      expect(mail.text).toMatch(/We will try the payment again on \w+day, \w+ \d{1,2}, \d{4}\./);
      expect(mail.text).toContain('<strong>¥5,000</strong>');
      expect(mail.text).not.toContain(escapeHtml(draftedMessage));
      expect(promptsSent()).toHaveLength(before);
      const execution = await executionOf(`stripe:${event.id}`);
      expect(execution.status).toBe('waiting');
      const [[chosen]] = world.n8n.executions.outputOf(execution.id, 'Choose Customer Message');
      expect(chosen.dunningEmail).toMatchObject({ draftedBy: 'fallback' });
    });
  });

  describe('reconciliation template', () => {
    beforeAll(() => {
      // The accounting system's open invoices, per customer, in minor units.
      world.outside.respond((request) => {
        const customer = new URL(request.path, 'http://x').searchParams.get('customer');
        if (request.method === 'GET' && request.path.startsWith('/accounting/invoices')) {
          const open: Record<string, unknown[]> = {
            cus_rec_1: [{ id: 'in_rec_1', number: 'INV-0042', customer: 'cus_rec_1', currency: 'usd', amountDue: 5000, amountPaid: 0 }],
            cus_rec_2: [{ id: 'in_rec_2', number: 'INV-0043', customer: 'cus_rec_2', currency: 'usd', amountDue: 5000, amountPaid: 0 }],
          };
          return { status: 200, body: open[customer ?? ''] ?? [] };
        }
        return { status: 200, body: { ok: true } };
      });
    });
    afterAll(() => world.outside.respond(() => ({ status: 200, body: { ok: true } })));

    test('a full payment marks the invoice paid', async () => {
      const event = invoiceEvent('invoice.paid', { invoice: 'in_rec_1', amountPaid: 5000, amountDue: 5000, currency: 'usd', customer: 'cus_rec_1', number: 'INV-0042' });
      expect((await send('stripe-reconciliation', sign(event, world.stripeSecret))).status).toBe(200);
      const [paid] = await world.outside.waitFor('POST', /^\/accounting\/payments$/, 1);
      expect(paid.json).toMatchObject({ eventId: `stripe:${event.id}`, allocations: [{ invoiceId: 'in_rec_1', amount: { minor: 5000, currency: 'USD' } }] });
    });

    test('a short payment starts dunning for the remainder', async () => {
      const event = invoiceEvent('invoice.paid', { invoice: 'in_rec_2', amountPaid: 3000, amountDue: 3000, currency: 'usd', customer: 'cus_rec_2', number: 'INV-0043' });
      expect((await send('stripe-reconciliation', sign(event, world.stripeSecret))).status).toBe(200);
      const [dunning] = await world.outside.waitFor('POST', /^\/accounting\/dunning$/, 1);
      expect(dunning.json).toMatchObject({ eventId: `stripe:${event.id}`, remaining: { minor: 2000, currency: 'USD' }, customerId: 'cus_rec_2' });
    });
  });

  describe('card-testing guard template', () => {
    test('a high-value payment goes to the fast lane', async () => {
      const event = paymentSucceeded({ amount: 250_000, currency: 'usd', customer: 'cus_big_1', email: 'big@example.com' });
      expect((await send('stripe-card-guard', sign(event, world.stripeSecret))).status).toBe(200);
      const [fast] = await world.outside.waitFor('POST', /^\/fast-lane$/, 1);
      expect(fast.json).toMatchObject({ eventId: `stripe:${event.id}`, amount: { minor: 250_000, currency: 'USD' }, risk: { lane: 'priority' } });
    });

    test('a burst of small declined payments from one customer raises card-testing alerts', async () => {
      const events = Array.from({ length: 12 }, () =>
        paymentFailed({ amount: 100, currency: 'usd', customer: 'cus_tester', email: 'tester@example.com', code: 'card_declined', declineCode: 'generic_decline' }),
      );
      // The first attempt, alone, is not suspicious.
      const before = world.n8n.executions.list(ids(world).guard).length;
      expect((await send('stripe-card-guard', sign(events[0], world.stripeSecret))).status).toBe(200);
      const runs = await world.n8n.executions.waitForFinished(ids(world).guard, before + 1);
      expect(nodesRun(runs[before].id)).toContain('Standard Processing');
      for (const event of events.slice(1)) expect((await send('stripe-card-guard', sign(event, world.stripeSecret))).status).toBe(200);
      const block = await mailWhere(world, (mail) => mail.subject.startsWith('Possible card testing'));
      expect(block.to).toEqual(['payments-team@example.com']);
      expect(block.text).toContain('cus_tester');
      expect(world.smtp.messages.some((mail) => mail.subject.includes(`stripe:${events[0].id}`))).toBe(false);
    });
  });
});
