// The dashboard in Debian's chromium against a real cluster: nats-server, three replica processes with
// real data directories, and a gateway over NATS serving the page. The page must show three members
// and one leader, follow a SIGKILL of the leader to the new leader within 5 s, show a put in the key
// browser, ask for the token when it has none, and load nothing from outside its origin.
// Screenshot: test-artifacts/dashboard.png.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster } from '../helpers/process-cluster.ts';
import { startWriteLoad, type WriteLoad } from '../helpers/write-load.ts';
import { launchBrowser, watchPage, type Browser } from './browser.ts';
import { startDashboardGateway, type DashboardGateway } from './gateway.ts';

const TOKEN = 'dashboard-browser-token';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
const NEW_LEADER_WITHIN_MS = 5_000;

let cluster: ProcessCluster | null = null;
let gateway: DashboardGateway | null = null;
let browser: Browser | null = null;
let load: WriteLoad | null = null;

beforeAll(async () => {
  cluster = await ProcessCluster.start({ cluster: 'dashboard' });
  gateway = await startDashboardGateway({ cluster: cluster.clusterName, natsUrl: cluster.nats.url, token: TOKEN });
  browser = await launchBrowser();
  // A light, steady write load so the throughput plot has something to show.
  load = startWriteLoad(() => cluster!.liveUrls(), { concurrency: 1, prefix: 'load/' });
}, 90_000);

afterAll(async () => {
  await load?.stop();
  await browser?.close();
  await gateway?.stop();
  await cluster?.stop();
}, 60_000);

/** The member the page shows as leader from a fresh (not stale) view, or null. */
function shownLeader(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll<HTMLElement>('#members tbody tr[data-role="leader"]')].filter((r) => !r.classList.contains('stale'));
    return rows.length === 1 ? rows[0]!.dataset.member! : null;
  });
}

describe('dashboard in a real browser', () => {
  it('shows the members, follows a leader kill, shows a put, and asks for the token', async () => {
    const page = await browser!.context.newPage();
    const seen = watchPage(page, gateway!.url);
    await page.goto(`${gateway!.url}/?token=${TOKEN}`);
    expect(page.url()).not.toContain('token=');

    await page.waitForFunction(
      () => document.querySelectorAll('#members tbody tr[data-member]').length === 3 && document.querySelectorAll('#members tbody tr[data-role="leader"]').length === 1,
      null,
      { timeout: 10_000 },
    );
    const leader = await shownLeader(page);
    expect(leader).toBe(await cluster!.leader());
    expect(await page.textContent('#fact-leader')).toBe(leader);
    await page.waitForSelector('#conn[data-state="live"]');

    const putRes = await fetch(`${gateway!.url}/v1/kv/dashboard%2Fgreeting`, { method: 'PUT', body: 'hello from the test', headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(putRes.status).toBe(200);
    const row = page.locator('#keys tbody tr[data-key="dashboard/greeting"]');
    await row.waitFor({ timeout: 5_000 });
    expect(await row.textContent()).toContain('hello from the test');
    await row.click();
    await page.waitForFunction(() => document.querySelector('#key-detail pre')?.textContent === 'hello from the test', null, { timeout: 5_000 });
    await page.waitForSelector('#key-history tbody tr', { timeout: 5_000 });
    // The gateway's /metrics carries the leader's latency histograms, which feed the charts.
    const metricsText = await (await fetch(`${gateway!.url}/metrics`)).text();
    expect(metricsText).toMatch(/^atlas_commit_latency_ms_count [1-9]/m);
    expect(metricsText).toMatch(/^atlas_fsync_latency_ms_count [1-9]/m);

    const killedAtMs = Date.now();
    await cluster!.kill(leader!, 'SIGKILL');
    await page.waitForFunction(
      (old) => {
        const rows = [...document.querySelectorAll<HTMLElement>('#members tbody tr[data-role="leader"]')].filter((r) => !r.classList.contains('stale'));
        return rows.length === 1 && rows[0]!.dataset.member !== old;
      },
      leader,
      { timeout: NEW_LEADER_WITHIN_MS },
    );
    const newLeaderAfterMs = Date.now() - killedAtMs;
    const newLeader = await shownLeader(page);
    expect(newLeader).toBe(await cluster!.waitForLeader(10_000, leader!));
    expect(newLeaderAfterMs).toBeLessThan(NEW_LEADER_WITHIN_MS);
    expect(await page.textContent('#leader-log li:first-child')).toContain(`${leader} \u2192 ${newLeader}`);
    await page.waitForSelector(`#members tbody tr[data-member="${leader}"][data-health="unreachable"]`, { timeout: 5_000 });

    // The ledger and chat cards render their data or say they are not available; never an error.
    for (const card of ['#ledger-alert', '#chat-alert']) {
      const alert = page.locator(card);
      if (await alert.isVisible()) expect(await alert.getAttribute('class')).toContain('info');
    }
    await page.waitForFunction(() => (document.querySelector('#chart-throughput .legend b')?.textContent ?? '\u2014') !== '\u2014', null, { timeout: 5_000 });

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: resolve(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(seen.errors).toEqual([]);
    expect(seen.foreignRequests).toEqual([]);
    console.log(`dashboard: new leader ${newLeader} shown ${newLeaderAfterMs} ms after SIGKILL of ${leader}`);

    // Without a token (sessionStorage is per tab) the page asks for one, then shows the cluster.
    const bare = await browser!.context.newPage();
    await bare.goto(gateway!.url);
    await bare.waitForSelector('#token-form:not([hidden])', { timeout: 5_000 });
    await bare.fill('#token-input', TOKEN);
    await bare.click('#token-form button');
    await bare.waitForFunction(() => document.querySelectorAll('#members tbody tr[data-member]').length === 3, null, { timeout: 5_000 });
    await bare.waitForSelector('#keys tbody tr[data-key="dashboard/greeting"]', { timeout: 5_000 });
  });
});
