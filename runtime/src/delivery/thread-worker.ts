import { parentPort } from 'node:worker_threads';
import { DeliveryClient, type AttemptResult, type SignedPost } from './post';

/**
 * The delivery thread's side (runtime/src/delivery/thread.ts): it receives batches of
 * numbered requests, sends each with a DeliveryClient (which never rejects) and answers
 * every request that finished in one event-loop turn in one message. Its first message,
 * 'ready', says everything it needs is loaded.
 */
const client = new DeliveryClient();
let answers: Array<[number, AttemptResult]> = [];

function sendAnswers(): void {
  parentPort!.postMessage(answers);
  answers = [];
}

parentPort!.on('message', (requests: Array<[number, SignedPost]>) => {
  for (const [id, request] of requests) {
    void client.post(request).then((result) => {
      if (answers.length === 0) setImmediate(sendAnswers);
      answers.push([id, result]);
    });
  }
});

parentPort!.postMessage('ready');
