// The dashboard's browser script (served at /dashboard/app.js): the parts in one strict function
// scope, started once the page is parsed. Each part only defines; this file starts them.

import { API_SCRIPT } from './api.ts';
import { CHART_SCRIPT } from './chart.ts';
import { CHAT_VIEW_SCRIPT } from './chat-view.ts';
import { CLUSTER_VIEW_SCRIPT } from './cluster-view.ts';
import { DOM_SCRIPT } from './dom.ts';
import { KEY_DETAIL_VIEW_SCRIPT } from './key-detail-view.ts';
import { KEYS_VIEW_SCRIPT } from './keys-view.ts';
import { LEDGER_VIEW_SCRIPT } from './ledger-view.ts';

const START = String.raw`
adoptTokenFromUrl();
wireTokenForm();
startClusterView();
startKeysView();
startLedgerView();
startChatView();
`;

export const DASHBOARD_SCRIPT = [
  '(function () {',
  "'use strict';",
  API_SCRIPT,
  DOM_SCRIPT,
  CHART_SCRIPT,
  CLUSTER_VIEW_SCRIPT,
  LEDGER_VIEW_SCRIPT,
  KEYS_VIEW_SCRIPT,
  KEY_DETAIL_VIEW_SCRIPT,
  CHAT_VIEW_SCRIPT,
  START,
  '})();',
  '',
].join('\n');
