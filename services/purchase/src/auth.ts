import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer-key authentication. Keys are compared in constant time by their SHA-256, and each is known to
 * logs only by its key id: the first 12 hex digits of that hash, enough to tell keys apart and to
 * revoke the right one, useless for recovering the key.
 */

/** Why a request was not authenticated: the `reason` of its audit line. */
export type AuthenticationFailure = 'missing' | 'malformed' | 'unknown_key';

export type Authentication =
  | { readonly ok: true; readonly keyId: string | undefined }
  | {
      readonly ok: false;
      readonly reason: AuthenticationFailure;
      readonly problem: string;
      /** The key id of the bearer key that was sent (`unknown_key`), so a revoked key can be traced. */
      readonly keyId: string | undefined;
    };

export interface ApiKeyAuthenticator {
  /** True when no keys are configured (PURCHASE_AUTH=off): every request is accepted, with no key id. */
  readonly open: boolean;
  authenticate(authorizationHeader: string | undefined): Authentication;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function keyIdOf(key: string): string {
  return sha256(key).toString('hex').slice(0, 12);
}

const BEARER = /^Bearer +(\S+) *$/i;

export function apiKeyAuthenticator(keys: readonly string[]): ApiKeyAuthenticator {
  const known = keys.map((key) => ({ digest: sha256(key), keyId: keyIdOf(key) }));
  return {
    open: known.length === 0,
    authenticate(header) {
      if (known.length === 0) return { ok: true, keyId: undefined };
      if (header === undefined || header.trim() === '') {
        return {
          ok: false,
          reason: 'missing',
          problem: 'an Authorization: Bearer <key> header is required',
          keyId: undefined,
        };
      }
      const match = BEARER.exec(header);
      if (!match) {
        return {
          ok: false,
          reason: 'malformed',
          problem: 'the Authorization header must be Bearer <key>',
          keyId: undefined,
        };
      }
      const digest = sha256(match[1]!);
      const found = known.find((k) => timingSafeEqual(k.digest, digest));
      return found
        ? { ok: true, keyId: found.keyId }
        : {
            ok: false,
            reason: 'unknown_key',
            problem: 'the API key is not valid',
            keyId: keyIdOf(match[1]!),
          };
    },
  };
}
