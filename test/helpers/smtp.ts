import { afterAll, beforeAll, beforeEach } from "vitest";
import type { Logger } from "../../src/log.js";
import { createMailer } from "../../src/notify/mailer.js";
import type { Mailer } from "../../src/notify/mail-types.js";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerError } from "smtp-server";

/** An SMTP server inside the test process that keeps every message it accepts. */
export interface TestSmtp {
  url: string;
  port: number;
  /** parsed messages in arrival order */
  messages: ParsedMail[];
  /** RCPT TO addresses of each message, same order as messages */
  envelopes: string[][];
  /** while on, new connections (and any MAIL FROM) are refused with 421 */
  refuse(on: boolean): void;
  /** refuses this recipient for good (550 at RCPT TO), as a server does for an address that does not exist */
  rejectRecipient(address: string): void;
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  clear(): void;
  close(): Promise<void>;
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const messages: ParsedMail[] = [];
  const envelopes: string[][] = [];
  const waiters = new Set<{ count: number; resolve: (messages: ParsedMail[]) => void }>();
  let refusing = false;
  const rejected = new Set<string>();
  // stored one at a time, in the order the messages arrived
  let parsing: Promise<unknown> = Promise.resolve();

  const refusal = (): SMTPServerError => Object.assign(new Error("test server refuses connections"), { responseCode: 421 });

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    disableReverseLookup: true,
    size: 25 * 1024 * 1024,
    // a client that never quits must not hold close() for the default 30 s
    closeTimeout: 500,
    onConnect(_session, callback) {
      callback(refusing ? refusal() : null);
    },
    onMailFrom(_address, _session, callback) {
      callback(refusing ? refusal() : null);
    },
    onRcptTo(address, _session, callback) {
      if (rejected.has(address.address.toLowerCase())) {
        callback(Object.assign(new Error("no such mailbox"), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const recipients = session.envelope.rcptTo.map((rcpt) => rcpt.address);
      const received = readAll(stream);
      // a failed read is reported when the chain below reaches it, not as an unhandled rejection
      received.catch(() => {});
      parsing = parsing.then(async () => {
        try {
          const raw = await received;
          if (stream.sizeExceeded) throw Object.assign(new Error("message too large for the test server"), { responseCode: 552 });
          messages.push(await simpleParser(raw));
          envelopes.push(recipients);
        } catch (error) {
          callback(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        // accepted only once stored, so a resolved send() means the message is in `messages`
        callback();
        for (const waiter of waiters) if (messages.length >= waiter.count) waiter.resolve([...messages]);
      });
    },
  });
  // a client dropping its socket is reported here; tests assert on what arrived instead
  server.on("error", () => {});

  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    envelopes,
    refuse(on) {
      refusing = on;
    },
    rejectRecipient(address) {
      rejected.add(address.toLowerCase());
    },
    waitFor(count, timeoutMs = 5000) {
      if (messages.length >= count) return Promise.resolve([...messages]);
      return new Promise((resolve, reject) => {
        const waiter = {
          count,
          resolve: (arrived: ParsedMail[]) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(arrived);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`test SMTP server: expected ${count} message(s) within ${timeoutMs} ms, got ${messages.length}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    clear() {
      messages.length = 0;
      envelopes.length = 0;
      rejected.clear();
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A test SMTP server and an SMTP mailer to it, for one test file; the server forgets its mail before each test. */
export function useTestSmtp(log: () => Logger): { smtp: TestSmtp; mailer: Mailer } {
  const live = {} as { smtp: TestSmtp; mailer: Mailer };
  beforeAll(async () => {
    live.smtp = await startTestSmtp();
    live.mailer = createMailer({ smtpUrl: live.smtp.url, outboxDir: "unused", log: log() });
  });
  afterAll(async () => {
    await live.mailer?.close();
    await live.smtp?.close();
  });
  beforeEach(() => {
    live.smtp.clear();
    live.smtp.refuse(false);
  });
  return live;
}
