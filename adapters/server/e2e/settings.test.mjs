// The Settings page end to end: `vaultcred serve --dev` (SQLite + DevVault) and Debian's headless
// Chromium, used as an org admin would, by labels, roles and the keyboard. The tests run in
// order and share one service and one browser: each starts where the previous one left off.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { focused, launch, record, screenshotDir, startService, tabTo } from './harness.mjs';

const PAGE = '/settings/security/credential-backend';
const ORG = 'org_abc123';
const SAMPLE_VALUE = 'sk-ant-api03-DEMO-0000000000000000000000000001';

let svc;
let browser;
let log;
let page;
let shots;

const field = (name) => page.locator(`[name="${name}"]`);
const status = () => page.getByRole('status');
const waitStatus = (text) => status().filter({ hasText: text }).waitFor();
const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const secretValues = () => [svc.secretId, svc.rootToken, svc.dispatch, SAMPLE_VALUE];

async function api(method, path, key) {
  const response = await fetch(`${svc.base}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, json: await response.json().catch(() => null) };
}

/** Fails if a secret is in the page's DOM, in an input's value, or in the tab's storage. */
async function assertNoSecretInPage(where) {
  const html = await page.content();
  const values = await page.$$eval('input, select, textarea', (els) => els.map((e) => e.value));
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  const session = await page.evaluate(() => Object.values(sessionStorage));
  assert.deepEqual(session, [svc.admin], `${where}: session storage holds the admin key only`);
  for (const secret of [...secretValues(), svc.admin]) {
    assert.ok(!html.includes(secret), `${where}: a secret in the DOM`);
    assert.ok(!values.some((v) => v.includes(secret)), `${where}: a secret in an input`);
    assert.ok(!stored.includes(secret), `${where}: a secret in localStorage`);
  }
  assert.deepEqual(await page.context().cookies(), [], `${where}: cookies`);
}

before(async () => {
  svc = await startService();
  browser = await launch();
  log = record(browser.context);
  page = await browser.context.newPage();
  shots = await screenshotDir();
});

after(async () => {
  await browser?.close();
  await svc?.stop();
});

test('/ redirects to the Settings page, served with a strict CSP', async () => {
  const response = await page.goto(`${svc.base}/`);
  assert.equal(new URL(page.url()).pathname, PAGE);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.equal(await page.title(), 'Credential Backend · Security · Settings');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shot('1-sign-in');
});

test('a wrong key and a dispatch key are refused with a clear message', async () => {
  const key = page.getByLabel('Org admin API key');
  assert.equal(await key.getAttribute('name'), 'apiKey');
  assert.equal(await key.getAttribute('type'), 'password');
  await key.fill('rsk_live_000000000000_not-a-real-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitStatus('was not accepted (unauthorized)');
  assert.match(await page.locator('#apiKey-error').textContent(), /not accepted/);
  assert.equal(await key.getAttribute('aria-invalid'), 'true');
  assert.equal(await focused(page), 'apiKey');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);

  await key.fill(svc.dispatch);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitStatus('needs an admin key');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.ok(await page.getByRole('button', { name: 'Configure HashiCorp Vault' }).isHidden());
});

test('sign in with the admin key: kept in session storage only, nothing configured yet', async () => {
  await page.getByLabel('Org admin API key').fill(svc.admin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitStatus(`Signed in to org ${ORG}`);
  await page.getByRole('button', { name: 'Configure HashiCorp Vault' }).waitFor();
  assert.equal(await page.evaluate(() => Object.values(sessionStorage).length), 1);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assert.equal(await page.getByLabel('Org admin API key').inputValue(), '');
  assert.ok(await page.locator('#config').isHidden(), 'the form opens on Configure');
  const sent = log.requests.filter((r) => r.url.includes('/api/'));
  assert.ok(sent.length > 0);
  await shot('2-not-configured');
});

test('Configure HashiCorp Vault: one labelled control per field, only the chosen mode\'s', async () => {
  await page.getByRole('button', { name: 'Configure HashiCorp Vault' }).click();
  assert.equal(await focused(page), 'addr');
  const visible = async () => (await page.$$eval('#config input, #config select',
    (els) => els.filter((e) => e.offsetParent !== null && !e.disabled).map((e) => e.name)));
  const labelled = await page.$$eval('#config input, #config select', (els) => els.every(
    (e) => e.labels.length === 1 && e.labels[0].textContent.includes(e.name) && e.id === e.name));
  assert.ok(labelled, 'every control has one <label> naming its config field');
  assert.deepEqual(await visible(), ['addr', 'namespace', 'mount', 'authMode', 'roleId', 'secretId',
    'wrappedSecretId', 'authMount', 'pathTemplate']);
  const modes = await page.$$eval('[name="authMode"] option', (os) => os.map((o) => o.value));
  assert.deepEqual(modes, ['token', 'approle', 'kubernetes']);
  await field('authMode').selectOption('token');
  assert.deepEqual(await visible(), ['addr', 'namespace', 'mount', 'authMode', 'token', 'pathTemplate']);
  await field('authMode').selectOption('kubernetes');
  // The operator allowed no JWT path beyond the default: no jwtPath field.
  assert.deepEqual(await visible(), ['addr', 'namespace', 'mount', 'authMode', 'role', 'authMount', 'pathTemplate']);
  await field('authMode').selectOption('approle');
  assert.equal(await page.locator('#secretId-state').textContent(), 'not set');

  assert.equal(await field('pathTemplate').getAttribute('placeholder'), '{mount}/data/{orgId}/{kind}');
  await field('mount').fill('secret');
  assert.equal(await page.locator('#path-preview').textContent(), `secret/data/${ORG}/anthropic-api-key`);
  await field('pathTemplate').fill('{mount}/data/tenants/{orgId}/creds/{kind}');
  assert.equal(await page.locator('#path-preview').textContent(), `secret/data/tenants/${ORG}/creds/anthropic-api-key`);
  await field('pathTemplate').fill('');
});

test('problems show next to their field, the first one focused: the page\'s and the service\'s', async () => {
  await field('mount').fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await waitStatus('Not saved');
  assert.equal(await focused(page), 'addr', 'focus moves to the first error');
  assert.match(await page.locator('#addr-error').textContent(), /is required/);
  assert.match(await page.locator('#mount-error').textContent(), /is required/);
  assert.equal(await field('mount').getAttribute('aria-invalid'), 'true');
  assert.equal(log.requests.filter((r) => r.method === 'POST').length, 0, 'nothing sent');

  // An address the page cannot judge: the service refuses it (the operator allows only
  // 127.0.0.1), and its problem is shown on `addr`.
  await field('addr').fill('http://169.254.169.254:8200');
  await field('mount').fill('secret');
  await field('roleId').fill(svc.roleId);
  await field('secretId').fill(svc.secretId);
  await page.getByRole('button', { name: 'Save' }).click();
  await waitStatus('Not saved: 1 problem');
  assert.match(await page.locator('#addr-error').textContent(), /--allow-addr/);
  assert.equal(await page.locator('#mount-error').isHidden(), true);
  assert.equal(await focused(page), 'addr');
  await shot('3-problems');
  assert.equal((await api('GET', '/api/org/credential-backend', svc.admin)).status, 404);
});

test('Test Connection with the candidate config: ok and latency', async () => {
  await field('addr').fill(svc.vaultAddr);
  await page.getByRole('button', { name: 'Test Connection' }).click();
  await waitStatus('Test Connection: Connection OK');
  assert.match(await page.locator('#test-result').textContent(), /Connection OK in \d+ ms/);
  assert.equal(await field('addr').getAttribute('aria-invalid'), null, 'old problems cleared');
  await shot('4-test-connection-ok');
});

test('Test Connection with a wrong mount shows mount_not_found', async () => {
  await field('mount').fill('nope');
  await page.getByRole('button', { name: 'Test Connection' }).click();
  await waitStatus('mount_not_found');
  const result = await page.locator('#test-result').textContent();
  assert.match(result, /mount not found \(mount_not_found\)/);
  assert.match(result, /passed: auth/);
  assert.equal(await page.locator('#test-result').getAttribute('data-kind'), 'error');
  await shot('5-mount-not-found');
  await field('mount').fill('secret');
});

test('Save: shows the version; the secret field is emptied and shows "set"', async () => {
  await page.getByRole('button', { name: 'Save' }).click();
  await waitStatus('Saved version 1');
  assert.equal(await field('secretId').inputValue(), '');
  assert.equal(await page.locator('#secretId-state').textContent(), 'set');
  await page.locator('#saved-health').filter({ hasText: 'Connection OK' }).waitFor();
  await page.locator('#audit > li').filter({ hasText: 'created version 1' }).waitFor();
  const dispatched = await api('GET', '/api/org/credentials/anthropic-api-key', svc.dispatch);
  assert.equal(dispatched.json.value, SAMPLE_VALUE, 'the provider is registered at once');
});

test('reload: the saved config, secrets "set" and empty, nothing secret in the DOM', async () => {
  await page.reload();
  await page.locator('#saved-health').filter({ hasText: 'Connection OK' }).waitFor();
  assert.equal(await field('addr').inputValue(), svc.vaultAddr);
  assert.equal(await field('mount').inputValue(), 'secret');
  assert.equal(await field('authMode').inputValue(), 'approle');
  assert.equal(await field('roleId').inputValue(), svc.roleId);
  assert.equal(await field('secretId').inputValue(), '');
  assert.equal(await page.locator('#secretId-state').textContent(), 'set');
  assert.equal(await page.locator('#wrappedSecretId-state').textContent(), 'not set');
  assert.equal(await page.locator('#saved-version').textContent(), '1');
  const entry = page.locator('#audit > li').first();
  assert.match(await entry.textContent(), /key [0-9a-f]{12} · created version 1/);
  assert.match(await entry.textContent(), /secretId: set/);
  assert.equal(await entry.locator('time').count(), 1);
  await assertNoSecretInPage('after reload');
  await page.getByRole('button', { name: 'Check again' }).click();
  await waitStatus('Saved config: Connection OK');
  await shot('6-saved');
});

test('change only the mount and Save: the stored secretId is kept', async () => {
  const posts = () => log.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/credential-backend'));
  await field('mount').fill('nope');
  await page.getByRole('button', { name: 'Save' }).click();
  await waitStatus('Saved version 2');
  const sent = JSON.parse(posts().at(-1).body);
  assert.deepEqual(sent.keep, ['secretId']);
  assert.equal(sent.config.secretId, undefined);
  // The saved config logs in with the kept secretId; only the mount is wrong.
  await page.locator('#saved-health').filter({ hasText: 'mount_not_found' }).waitFor();
  assert.match(await page.locator('#saved-health').textContent(), /passed: auth/);

  await field('mount').fill('secret');
  await page.getByRole('button', { name: 'Save' }).click();
  await waitStatus('Saved version 3');
  await page.locator('#saved-health').filter({ hasText: 'Connection OK' }).waitFor();
  await page.locator('#audit > li').filter({ hasText: 'mount: "secret" → "nope"' }).waitFor();
  const dispatched = await api('GET', '/api/org/credentials/anthropic-api-key', svc.dispatch);
  assert.equal(dispatched.json.value, SAMPLE_VALUE, 'the live provider logs in with the kept secretId');
});

test('Remove asks first; Cancel keeps the config, Remove deletes it', async () => {
  await page.getByRole('button', { name: 'Remove' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove the credential backend?' });
  await dialog.waitFor();
  assert.equal(await focused(page), 'confirm-cancel');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await api('GET', '/api/org/credential-backend', svc.admin)).status, 200);

  await page.getByRole('button', { name: 'Remove' }).click();
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await waitStatus('Removed');
  await page.getByRole('button', { name: 'Configure HashiCorp Vault' }).waitFor();
  assert.equal(await focused(page), 'configure');
  assert.equal((await api('GET', '/api/org/credential-backend', svc.admin)).status, 404);
  await page.locator('#audit > li').filter({ hasText: 'deleted' }).waitFor();
});

test('Sign out forgets the key', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await waitStatus('Signed out');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.equal(await focused(page), 'apiKey');
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
});

test('keyboard only: sign in, configure, errors focused, Test Connection, Save', async () => {
  page = await browser.context.newPage();
  await page.goto(`${svc.base}${PAGE}`);
  await tabTo(page, () => document.activeElement?.name === 'apiKey');
  await page.keyboard.type(svc.admin);
  await page.keyboard.press('Enter');
  await waitStatus('Signed in');
  await tabTo(page, () => document.activeElement?.id === 'configure', 3);
  await page.keyboard.press('Enter');
  assert.equal(await focused(page), 'addr');
  await page.keyboard.type(svc.vaultAddr);
  await tabTo(page, () => document.activeElement?.name === 'mount', 2);
  await page.keyboard.type('secret');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'authMode');
  await page.keyboard.press('ArrowUp');
  assert.equal(await field('authMode').inputValue(), 'token');
  assert.ok(await field('token').isVisible());
  await page.keyboard.press('ArrowDown');
  assert.equal(await field('authMode').inputValue(), 'approle');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'roleId');
  await page.keyboard.type(svc.roleId);
  await page.keyboard.press('Enter');
  await waitStatus('Not saved');
  assert.equal(await focused(page), 'secretId', 'focus moves to the missing secretId');
  await page.keyboard.type(svc.secretId);
  await tabTo(page, () => document.activeElement?.id === 'test');
  await page.keyboard.press('Enter');
  await waitStatus('Connection OK');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'save');
  await page.keyboard.press('Space');
  await waitStatus(/Saved version \d+/);
  await page.locator('#saved-health').filter({ hasText: 'Connection OK' }).waitFor();
});

test('usable at 360 px wide and in dark mode', async () => {
  await page.setViewportSize({ width: 360, height: 800 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  await page.locator('#saved-health').filter({ hasText: 'Connection OK' }).waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `no horizontal scrolling (${width} px)`);
  const outside = await page.$$eval('button, input, select', (els) => els
    .filter((e) => e.offsetParent !== null)
    .filter((e) => e.getBoundingClientRect().right > 360).map((e) => e.id));
  assert.deepEqual(outside, []);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = bg.match(/\d+/g).map(Number);
  assert.ok(r + g + b < 150, `a dark background in dark mode (${bg})`);
  await shot('7-dark-360px');
});

test('nothing secret in any response or the console; no other origin; no script error', async () => {
  await Promise.all(log.pending);
  assert.ok(log.responses.length > 20, `${log.responses.length} responses recorded`);
  for (const r of log.responses) {
    for (const secret of secretValues()) {
      assert.ok(!r.body.includes(secret), `a secret in the answer of ${r.url}`);
    }
  }
  // The secretId left the browser only in the request bodies the admin typed it into.
  const carrying = log.requests.filter((r) => (r.body || '').includes(svc.secretId));
  assert.ok(carrying.every((r) => r.method === 'POST' && r.url.includes('/api/org/credential-backend')));
  for (const m of log.console) {
    for (const secret of [...secretValues(), svc.admin]) {
      assert.ok(!m.text.includes(secret), `a secret in the console: ${m.type}`);
    }
  }
  const errors = log.console.filter((m) => m.type === 'error' && !/status of 40[0134]/.test(m.text));
  assert.deepEqual(errors, [], 'no console error (a CSP violation would be one)');
  assert.deepEqual(log.errors, []);
  const elsewhere = log.requests.filter((r) => !r.url.startsWith(svc.base));
  assert.deepEqual(elsewhere, [], 'every request goes to the service itself');
});
