import { createServer, type Server, type Socket } from 'node:net';

/** A message as the sink received it, with the body decoded enough to search its text. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  /** Headers and body, quoted-printable and base64 parts decoded. */
  text: string;
  /** The leaf MIME parts (the HTML, each attachment), each with its headers (lower-case names) and decoded bytes. */
  parts: MailPart[];
}

export interface MailPart {
  headers: Record<string, string>;
  body: Buffer;
}

export interface SmtpSink {
  readonly port: number;
  readonly messages: ReceivedMail[];
  /** Resolves once `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/**
 * The smallest SMTP server n8n's Send Email node (nodemailer) talks to: no TLS, no auth,
 * every message accepted and kept in memory.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    converse(socket, (mail) => messages.push(mail));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    messages,
    waitFor: async (count, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} emails, received ${messages.length}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return messages;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function converse(socket: Socket, deliver: (mail: ReceivedMail) => void): void {
  let buffer = '';
  let inData = false;
  let envelope = { from: '', to: [] as string[] };
  let data: string[] = [];
  const reply = (line: string) => socket.write(`${line}\r\n`);
  reply('220 localhost smtp sink');

  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          deliver(parseMessage(envelope, data.join('\r\n')));
          envelope = { from: '', to: [] };
          data = [];
          reply('250 OK queued');
        } else {
          data.push(line.startsWith('..') ? line.slice(1) : line);
        }
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') reply('250 localhost');
      else if (verb === 'MAIL') {
        envelope.from = addressIn(line);
        reply('250 OK');
      } else if (verb === 'RCPT') {
        envelope.to.push(addressIn(line));
        reply('250 OK');
      } else if (verb === 'DATA') {
        inData = true;
        reply('354 End data with <CR><LF>.<CR><LF>');
      } else if (verb === 'QUIT') {
        reply('221 Bye');
        socket.end();
      } else reply('250 OK'); // RSET, NOOP
    }
  });
  socket.on('error', () => socket.destroy());
}

function addressIn(line: string): string {
  return /<([^>]*)>/.exec(line)?.[1] ?? '';
}

function parseMessage(envelope: { from: string; to: string[] }, raw: string): ReceivedMail {
  const unfolded = raw.replace(/\r\n[ \t]+/g, ' ');
  const subject = decodeHeader(/^Subject: (.*)$/im.exec(unfolded)?.[1] ?? '');
  return { from: envelope.from, to: envelope.to, subject, text: decodeParts(raw), parts: mimeParts(raw) };
}

/** The leaf parts of a MIME entity (headers, blank line, body), multiparts split by their boundary. */
function mimeParts(entity: string): MailPart[] {
  const split = entity.indexOf('\r\n\r\n');
  const head = split < 0 ? entity : entity.slice(0, split);
  const body = split < 0 ? '' : entity.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const boundary = /^multipart\/[^;]+;.*boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (boundary) {
    return body
      .split(`--${boundary}`)
      .slice(1, -1) // before the first boundary is the preamble; after the closing one, the epilogue
      .flatMap((part) => mimeParts(part.replace(/^\r\n/, '')));
  }
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  const bytes =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
      : encoding === 'quoted-printable'
        ? Buffer.from(decodeQuotedPrintable(body), 'utf8')
        : Buffer.from(body, 'utf8');
  return [{ headers, body: bytes }];
}

/** Decodes RFC 2047 encoded words (=?UTF-8?Q?...?= and =?UTF-8?B?...?=). */
function decodeHeader(value: string): string {
  return value.replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=\s*/g, (_, encoding: string, text: string) =>
    encoding.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  );
}

/** Decodes each MIME part by its Content-Transfer-Encoding, keeping everything else as it is. */
function decodeParts(raw: string): string {
  return raw.replace(
    /Content-Transfer-Encoding: (quoted-printable|base64)\r\n((?:[^\r\n]+\r\n)*)\r\n([\s\S]*?)(?=\r\n--|$)/gi,
    (_, encoding: string, headers: string, body: string) =>
      `${headers}\r\n${
        encoding.toLowerCase() === 'base64'
          ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
          : decodeQuotedPrintable(body)
      }`,
  );
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
