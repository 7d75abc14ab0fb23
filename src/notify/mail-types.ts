/** One email as the outbox stores it and the mailer sends it. */
export interface OutgoingEmail {
  /** stable across retries, so that a receiving server can drop a repeat: `<...@domain>` */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** extra headers, e.g. List-Unsubscribe for customer email */
  headers?: Record<string, string>;
}

/** Sends email by SMTP, or writes it as an .eml file when no SMTP server is configured. */
export interface Mailer {
  readonly transport: "smtp" | "file";
  send(email: OutgoingEmail): Promise<void>;
  close(): Promise<void>;
}
