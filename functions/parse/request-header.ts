// Request headers through a host shortcut when there is one. Reading `c.req.header()` on the Node
// adapter builds a web `Headers` object from the IncomingMessage for every request, which cost about
// a sixth of a forwarded put's HTTP handling; the Node host reads the IncomingMessage's headers instead.

import type { Context } from 'hono';

/**
 * What a host may put in the Hono `env` to read request headers without a web `Headers` object.
 * Contract: `lowerName` is lower-case; returns the header's value (several values joined with ", "),
 * or undefined when the request has no such header.
 */
export interface HostHeaderBinding {
  readonly atlasRequestHeader?: (lowerName: string) => string | undefined;
}

/** The request header `name` (case-insensitive), or undefined. */
export function requestHeader(c: Context, name: string): string | undefined {
  const hostRead = (c.env as HostHeaderBinding | undefined)?.atlasRequestHeader;
  return typeof hostRead === 'function' ? hostRead(name.toLowerCase()) : c.req.header(name);
}
