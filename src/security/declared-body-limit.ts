import type { IncomingMessage, ServerResponse } from 'node:http';
import { tooLarge } from '../errors/body-parse-failure.js';

/**
 * A Node-level middleware (`app.use()` on Express and Fastify) that answers 413
 * `PAYLOAD_TOO_LARGE` at once to a request whose `Content-Length` says its body is larger than
 * `maxBytes`, before any body parser reads it: the parsers would read (Express drains) the body
 * and build an error with a stack first, several times what the answer itself costs. Bodies
 * without a length (chunked) still meet the parser's own limit. The unread body is discarded by
 * Node after the answer. Register it after `securityHeaders()`, so the 413 carries them too.
 */
export function declaredBodyLimit(maxBytes: number) {
  const body = JSON.stringify(tooLarge());
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const length = request.headers['content-length'];
    if (length === undefined || !(Number(length) > maxBytes)) return next();
    response.statusCode = 413;
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('Content-Length', Buffer.byteLength(body));
    response.end(body);
  };
}
