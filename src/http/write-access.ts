/**
 * Who may write: without a configured `WRITE_TOKEN` the server is read-only (405); with one, a write needs
 * `Authorization: Bearer <token>` (401 otherwise), compared in constant time.
 *
 * @see https://hl7.org/fhir/R4/security.html
 */
import { timingSafeEqual } from 'node:crypto';
import { fhirError } from '../fhir/errors.ts';
import type { Decoded } from './fhir-request.ts';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The check run before every write: throws 405 on a read-only server, 401 without the right bearer token.
 */
export function writeAccessCheck(writeToken: string | undefined): (headers: Decoded['headers']) => void {
  return (headers) => {
    if (writeToken === undefined) {
      throw fhirError(405, 'not-supported', 'This server is read-only: no WRITE_TOKEN is configured', { headers: { Allow: 'GET, HEAD' } });
    }
    const auth = headers.authorization;
    const match = auth === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!match || !safeEqual(match[1], writeToken)) {
      throw fhirError(401, 'login', auth === undefined ? 'Writes need a bearer token' : 'The bearer token is not valid', {
        headers: { 'WWW-Authenticate': 'Bearer realm="fhir"' },
      });
    }
  };
}
