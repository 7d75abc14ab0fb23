import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { simpleParser } from "mailparser";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Mailer, OutgoingEmail } from "../../src/notify/mail-types.js";
import { createMailer, MailSendError } from "../../src/notify/mailer.js";
import { startTestSmtp, type TestSmtp } from "../helpers/smtp.js";

const silent = pino({ level: "silent" });

function alertEmail(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    messageId: "<alert-42.s12.1763650800@shelfwatch.test>",
    from: "Shelfwatch <alerts@shelfwatch.test>",
    to: "manager.s12@example.com",
    subject: "Stockout risk: Oat milk 1L at Store 12",
    text: "Oat milk 1L (SKU OAT-1L) will likely run out by Saturday.\nOn hand: 4",
    html: "<p><strong>Oat milk 1L</strong> (SKU OAT-1L) will likely run out by Saturday.</p>",
    headers: { "X-Shelfwatch-Alert": "42", "List-Unsubscribe": "<https://shelfwatch.test/unsubscribe/abc123>" },
    ...overrides,
  };
}

/** A logger whose JSON lines the test can read. */
function captureLog() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: "info" }, sink), lines };
}

/** A port on which nothing listens, so connecting is refused by the operating system. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

describe("SMTP transport", () => {
  let smtp: TestSmtp;
  let mailer: Mailer | undefined;

  beforeAll(async () => {
    smtp = await startTestSmtp();
  });
  afterEach(async () => {
    await mailer?.close();
    mailer = undefined;
    smtp.refuse(false);
    smtp.clear();
  });
  afterAll(async () => {
    await smtp.close();
  });

  it("delivers the message with its Message-ID, subject, text and html parts and extra headers", async () => {
    mailer = createMailer({ smtpUrl: smtp.url, outboxDir: "/nonexistent", log: silent });
    expect(mailer.transport).toBe("smtp");

    await mailer.send(alertEmail());

    const [message] = await smtp.waitFor(1);
    expect(smtp.messages).toHaveLength(1);
    expect(message?.messageId).toBe("<alert-42.s12.1763650800@shelfwatch.test>");
    expect(message?.subject).toBe("Stockout risk: Oat milk 1L at Store 12");
    expect(message?.text?.trim()).toBe("Oat milk 1L (SKU OAT-1L) will likely run out by Saturday.\nOn hand: 4");
    expect(message?.html).toBe("<p><strong>Oat milk 1L</strong> (SKU OAT-1L) will likely run out by Saturday.</p>");
    expect(message?.from?.value).toEqual([{ address: "alerts@shelfwatch.test", name: "Shelfwatch" }]);
    expect(message?.headers.get("x-shelfwatch-alert")).toBe("42");
    const unsubscribe = message?.headerLines.find((header) => header.key === "list-unsubscribe");
    expect(unsubscribe?.line).toBe("List-Unsubscribe: <https://shelfwatch.test/unsubscribe/abc123>");
    expect(smtp.envelopes).toEqual([["manager.s12@example.com"]]);
  });

  it("sends several messages over the pool, each with its own Message-ID", async () => {
    const pooled = createMailer({ smtpUrl: smtp.url, outboxDir: "/nonexistent", log: silent, maxConnections: 2 });
    mailer = pooled;
    const ids = ["<a-1@shelfwatch.test>", "<a-2@shelfwatch.test>", "<a-3@shelfwatch.test>", "<a-4@shelfwatch.test>"];

    await Promise.all(ids.map((messageId, i) => pooled.send(alertEmail({ messageId, to: `manager${i}@example.com` }))));

    await smtp.waitFor(4);
    expect(smtp.messages.map((message) => message.messageId).sort()).toEqual(ids);
    expect(smtp.envelopes.flat().sort()).toEqual(["manager0@example.com", "manager1@example.com", "manager2@example.com", "manager3@example.com"]);
  });

  it("rejects while the server refuses connections, and the next send after that succeeds", async () => {
    mailer = createMailer({ smtpUrl: smtp.url, outboxDir: "/nonexistent", log: silent });
    smtp.refuse(true);

    const refused = await mailer.send(alertEmail({ messageId: "<refused@shelfwatch.test>" })).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(MailSendError);
    expect(refused).toMatchObject({ code: "EPROTOCOL", responseCode: 421, permanent: false });
    expect((refused as MailSendError).message).toBe("SMTP EPROTOCOL (CONN): 421 test server refuses connections");

    smtp.refuse(false);
    await mailer.send(alertEmail({ messageId: "<after-refusal@shelfwatch.test>" }));

    await smtp.waitFor(1);
    expect(smtp.messages.map((message) => message.messageId)).toEqual(["<after-refusal@shelfwatch.test>"]);
  });

  it("rejects when the server starts refusing on a connection the pool already holds open", async () => {
    mailer = createMailer({ smtpUrl: smtp.url, outboxDir: "/nonexistent", log: silent, maxConnections: 1 });
    await mailer.send(alertEmail({ messageId: "<first@shelfwatch.test>" }));

    smtp.refuse(true);
    await expect(mailer.send(alertEmail({ messageId: "<second@shelfwatch.test>" }))).rejects.toBeInstanceOf(MailSendError);

    smtp.refuse(false);
    await mailer.send(alertEmail({ messageId: "<third@shelfwatch.test>" }));
    expect(smtp.messages.map((message) => message.messageId)).toEqual(["<first@shelfwatch.test>", "<third@shelfwatch.test>"]);
  });

  it("rejects with a short code when nothing listens on the port", async () => {
    mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${await closedPort()}`, outboxDir: "/nonexistent", log: silent });

    const error = await mailer.send(alertEmail()).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(MailSendError);
    expect(error).toMatchObject({ code: "ESOCKET", responseCode: undefined, permanent: false });
    expect((error as MailSendError).message).toMatch(/^SMTP ESOCKET \(CONN\): connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });
});

describe("file transport", () => {
  let outboxDir: string;

  beforeAll(async () => {
    outboxDir = join(await mkdtemp(join(tmpdir(), "shelfwatch-outbox-")), "outbox", "nested");
  });
  afterAll(async () => {
    await rm(join(outboxDir, "..", ".."), { recursive: true, force: true });
  });

  it("writes one parseable .eml per message and logs where it went", async () => {
    const { log, lines } = captureLog();
    const mailer = createMailer({ outboxDir, log });
    expect(mailer.transport).toBe("file");

    await mailer.send(alertEmail({ messageId: "<alert-1/s12@shelfwatch.test>", subject: "First" }));
    await mailer.send(alertEmail({ messageId: "<alert-2.s12@shelfwatch.test>", subject: "Second" }));
    await mailer.close();

    const files = (await readdir(outboxDir)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^\d{8}T\d{9}Z-alert-1_s12@shelfwatch\.test\.eml$/);
    expect(files[1]).toMatch(/^\d{8}T\d{9}Z-alert-2\.s12@shelfwatch\.test\.eml$/);

    const parsed = await Promise.all(files.map(async (file) => simpleParser(await readFile(join(outboxDir, file)))));
    expect(parsed.map((message) => [message.messageId, message.subject])).toEqual([
      ["<alert-1/s12@shelfwatch.test>", "First"],
      ["<alert-2.s12@shelfwatch.test>", "Second"],
    ]);
    expect(parsed[0]?.html).toBe(alertEmail().html);
    expect(parsed[0]?.headers.get("x-shelfwatch-alert")).toBe("42");
    expect(parsed[0]?.date).toBeInstanceOf(Date);

    const written = lines.filter((line) => line.msg === "email written to outbox folder");
    expect(written).toEqual([
      expect.objectContaining({ level: 30, to: "manager.s12@example.com", subject: "First", file: join(outboxDir, files[0]!) }),
      expect.objectContaining({ level: 30, to: "manager.s12@example.com", subject: "Second", file: join(outboxDir, files[1]!) }),
    ]);
  });

  it("writes messages sent at once without leaving temporary files behind", async () => {
    const dir = join(outboxDir, "..", "concurrent");
    const mailer = createMailer({ outboxDir: dir, log: silent });

    await Promise.all(Array.from({ length: 5 }, (_, i) => mailer.send(alertEmail({ messageId: `<burst-${i}@shelfwatch.test>` }))));

    const files = await readdir(dir);
    expect(files).toHaveLength(5);
    expect(files.every((file) => file.endsWith(".eml") && !file.startsWith("."))).toBe(true);
    const raw = await readFile(join(dir, files.find((file) => file.includes("burst-3"))!), "utf8");
    expect(raw).toMatch(/^Message-ID: <burst-3@shelfwatch\.test>$/m);
    // newline: 'unix' gives LF-only files
    expect(raw).not.toContain("\r\n");
  });
});
