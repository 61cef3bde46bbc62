// The KV key of a `/v1/kv/{key}` request: everything after the prefix in the raw request path,
// percent-decoded once. A key may contain '/' (sent plain or as %2F); it must be 1–1024 bytes of UTF-8.

import { keyProblem } from '../../actors/machines/kv/keys.ts';
import { badRequest } from '../errors.ts';

export const KV_PATH_PREFIX = '/v1/kv/';

export function keyFromUrl(url: string): string {
  const raw = rawPath(url);
  if (!raw.startsWith(KV_PATH_PREFIX)) throw badRequest(`the key path must start with ${KV_PATH_PREFIX}`);
  const encoded = raw.slice(KV_PATH_PREFIX.length);
  if (encoded.length === 0) throw badRequest('the key is empty: use /v1/kv/{key} with a key of 1-1024 bytes');
  let key: string;
  try {
    key = decodeURIComponent(encoded);
  } catch {
    throw badRequest('the key is not valid percent-encoded UTF-8');
  }
  const problem = keyProblem(key);
  if (problem) throw badRequest(problem);
  return key;
}

/** The path of an absolute URL exactly as sent: not decoded, query and fragment removed. */
function rawPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start === -1) return '/';
  let end = url.length;
  for (const stop of ['?', '#']) {
    const at = url.indexOf(stop, start);
    if (at !== -1 && at < end) end = at;
  }
  return url.slice(start, end);
}
