/** A rendered mail: one recipient, a subject, and the same content as plain text and HTML. */
export interface MailMessage {
  /** The recipient's address. */
  to: string;
  subject: string;
  /** Plain-text body (what text-only clients and {@link LogMailer} show). */
  text: string;
  /** HTML body. */
  html: string;
}
