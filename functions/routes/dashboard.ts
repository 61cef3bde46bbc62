// The dashboard: the page at `/` with its script and stylesheet (open, like /health: they hold no
// cluster data), and GET /v1/dashboard/stream, the Server-Sent Events feed the page renders (under
// /v1, so it needs the bearer token when one is configured). The page reads everything else from the
// ordinary /v1 API with the same token.

import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppConfig, AppEnv } from '../context.ts';
import { DASHBOARD_SCRIPT } from '../dashboard/client/script.ts';
import { runDashboardFeed } from '../dashboard/feed.ts';
import { DashboardHistory } from '../dashboard/history.ts';
import { DASHBOARD_HTML, DASHBOARD_SCRIPT_PATH, DASHBOARD_STYLE_PATH } from '../dashboard/page.ts';
import { DEFAULT_RATE_WINDOW_MS } from '../dashboard/rates.ts';
import { DASHBOARD_CSS } from '../dashboard/style.ts';

export interface DashboardOptions {
  /** Milliseconds between two snapshots on the stream; default 500. */
  readonly pollMs?: number;
  /** Deadline of each backend call behind a snapshot; default min(1500, requestTimeoutMs). */
  readonly probeTimeoutMs?: number;
  /** Window of the plotted rates and latency quantiles; default 5000 ms. */
  readonly rateWindowMs?: number;
}

export const DEFAULT_DASHBOARD_POLL_MS = 500;

/** Nothing but the serving process: scripts, styles and API calls stay on this origin. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function dashboardRoutes(config: AppConfig, options: DashboardOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const history = new DashboardHistory();
  const feed = {
    pollMs: options.pollMs ?? DEFAULT_DASHBOARD_POLL_MS,
    probeTimeoutMs: options.probeTimeoutMs ?? Math.min(1_500, config.requestTimeoutMs),
    rateWindowMs: options.rateWindowMs ?? DEFAULT_RATE_WINDOW_MS,
  };

  app.get('/', (c) => asset(c, DASHBOARD_HTML, 'text/html; charset=utf-8'));
  app.get(DASHBOARD_SCRIPT_PATH, (c) => asset(c, DASHBOARD_SCRIPT, 'text/javascript; charset=utf-8'));
  app.get(DASHBOARD_STYLE_PATH, (c) => asset(c, DASHBOARD_CSS, 'text/css; charset=utf-8'));

  app.get('/v1/dashboard/stream', (c) =>
    streamSSE(c, async (stream) => {
      c.req.raw.signal?.addEventListener('abort', () => stream.abort(), { once: true });
      await runDashboardFeed(stream, config.backend, history, feed);
    }),
  );

  return app;
}

function asset(c: Context<AppEnv>, body: string, contentType: string): Response {
  return c.body(body, 200, {
    'Content-Type': contentType,
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
}
