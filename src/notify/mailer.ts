import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nodemailer, { type NodemailerError, type SendMailOptions } from "nodemailer";
import type { Logger } from "../log.js";
import type { Mailer, OutgoingEmail } from "./mail-types.js";

export interface MailerOptions {
  /** smtp:// or smtps:// URL; without it every message is written as an .eml file to outboxDir */
  smtpUrl?: string;
  outboxDir: string;
  log: Logger;
  /** pooled SMTP connections, default 5 */
  maxConnections?: number;
}

/** An SMTP delivery failed; the caller decides whether to retry (`permanent` is false unless the server said 5xx). */
export class MailSendError extends Error {
  /** nodemailer's code: ECONNECTION, ESOCKET, ETIMEDOUT, EENVELOPE, EMESSAGE, ... */
  readonly code: string;
  readonly responseCode: number | undefined;
  readonly permanent: boolean;

  constructor(cause: unknown) {
    const error = (cause instanceof Error ? cause : new Error(String(cause))) as NodemailerError;
    const code = error.code ?? "EUNKNOWN";
    const step = error.command ? ` (${error.command})` : "";
    // the server's reply says more than nodemailer's wording around it
    super(`SMTP ${code}${step}: ${firstLine(error.response ?? error.message)}`, { cause });
    this.name = "MailSendError";
    this.code = code;
    this.responseCode = error.responseCode;
    this.permanent = error.permanent === true;
  }
}

export function createMailer(options: MailerOptions): Mailer {
  return options.smtpUrl ? createSmtpMailer(options.smtpUrl, options.maxConnections ?? 5) : createFileMailer(options.outboxDir, options.log);
}

function createSmtpMailer(smtpUrl: string, maxConnections: number): Mailer {
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections,
    // connections live until idle, not recycled every 100 messages (the pool default)
    maxMessages: Infinity,
    // bodies are our own strings; never let message data read files or fetch URLs
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const inFlight = trackInFlight();
  return {
    transport: "smtp",
    send: (email) =>
      inFlight.run(async () => {
        try {
          await transporter.sendMail(toMailOptions(email));
        } catch (error) {
          throw new MailSendError(error);
        }
      }),
    async close() {
      // the pool lets a delivery in progress finish, so wait for it before reporting closed
      transporter.close();
      await inFlight.settled();
    },
  };
}

function createFileMailer(outboxDir: string, log: Logger): Mailer {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix", disableFileAccess: true, disableUrlAccess: true });
  const inFlight = trackInFlight();
  return {
    transport: "file",
    send: (email) =>
      inFlight.run(async () => {
        const info = await composer.sendMail(toMailOptions(email));
        const message = info.message;
        if (!Buffer.isBuffer(message)) throw new Error("stream transport returned a stream although buffer: true was set");
        await mkdir(outboxDir, { recursive: true });
        const file = join(outboxDir, `${fileTimestamp(new Date())}-${safeFileName(email.messageId)}.eml`);
        // written under a hidden temporary name and renamed, so a reader never sees half a message
        const temporary = join(outboxDir, `.${randomUUID()}.tmp`);
        try {
          await writeFile(temporary, message, { flag: "wx" });
          await rename(temporary, file);
        } catch (error) {
          await rm(temporary, { force: true });
          throw error;
        }
        log.info({ to: email.to, subject: email.subject, file }, "email written to outbox folder");
      }),
    close: () => inFlight.settled(),
  };
}

function toMailOptions(email: OutgoingEmail): SendMailOptions {
  return {
    messageId: email.messageId,
    from: email.from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    html: email.html,
    // images our templates embed as data: URIs (a rain check's barcode) go as inline attachments, which mail programs show
    attachDataUrls: true,
    ...(email.headers ? { headers: email.headers } : {}),
  };
}

/** Remembers sends in progress so that close() can wait for them. */
function trackInFlight() {
  const pending = new Set<Promise<unknown>>();
  return {
    run(send: () => Promise<void>): Promise<void> {
      const promise = send();
      pending.add(promise);
      const forget = () => pending.delete(promise);
      promise.then(forget, forget);
      return promise;
    },
    async settled(): Promise<void> {
      await Promise.allSettled([...pending]);
    },
  };
}

/** 2026-11-20T15:00:00.123Z → 20261120T150000123Z: sorts by time and is a valid file name everywhere. */
function fileTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, "");
}

function safeFileName(messageId: string): string {
  return messageId.replace(/^<|>$/g, "").replace(/[^A-Za-z0-9._@-]/g, "_").slice(0, 120) || "message";
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/, 1)[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
