import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Responder } from './http-recorder';

/** Where the loopback recorder plays OpenAI's API: the OpenAI credential's Base URL points here. */
export const OPENAI_BASE_PATH = '/openai/v1';
export const CHAT_COMPLETIONS_PATH = `${OPENAI_BASE_PATH}/chat/completions`;

/** The chat.completion the stand-in answers with (test/fixtures/openai/README.md says where its shape comes from). */
export const recordedCompletion = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'openai', 'chat-completion-dunning.json'), 'utf8'),
) as { model: string; choices: Array<{ message: { content: string } }> };

export const draftedMessage = recordedCompletion.choices[0].message.content;

/** One message of a chat-completions request as the API takes it. */
export interface ChatMessage {
  role: string;
  content: string | Array<{ type: string; text?: string }>;
}

export const messageText = (message: ChatMessage) =>
  typeof message.content === 'string' ? message.content : message.content.map((part) => part.text ?? '').join('');

/**
 * Answers `POST /v1/chat/completions` as OpenAI's API does for a non-streaming request: 401 without
 * a bearer key, 400 without a model or messages, else the recorded completion. Anything else goes
 * to `otherwise`, so the recorder keeps standing in for the other systems.
 */
export function chatCompletionsResponder(otherwise: Responder): Responder {
  return (request) => {
    if (request.path !== CHAT_COMPLETIONS_PATH) return otherwise(request);
    if (request.method !== 'POST') return { status: 405, body: { error: { message: 'Method not allowed', type: 'invalid_request_error' } } };
    if (!/^Bearer \S+$/.test(String(request.headers.authorization ?? ''))) {
      return { status: 401, body: { error: { message: 'You didn\'t provide an API key.', type: 'invalid_request_error', code: null } } };
    }
    const body = request.json as { model?: unknown; messages?: unknown; stream?: unknown } | undefined;
    if (typeof body?.model !== 'string' || !Array.isArray(body.messages) || body.messages.length === 0) {
      return { status: 400, body: { error: { message: 'model and messages are required', type: 'invalid_request_error' } } };
    }
    if (body.stream === true) return { status: 400, body: { error: { message: 'the stand-in answers non-streaming requests only', type: 'invalid_request_error' } } };
    return { status: 200, body: recordedCompletion };
  };
}
