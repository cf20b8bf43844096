// The Settings page's script: a plain JavaScript module, no dependency, served by
// vaultcred-server with `script-src 'self'`. It builds the DOM with textContent only, keeps the
// admin key in sessionStorage only, and never puts a secret value anywhere but the request body
// it sends.
import { check, templateProblem } from './checks.js';
import { auditEntry, healthText } from './render.js';

const API = '/api/org/credential-backend';
const STORED_KEY = 'vaultcred.settings.apiKey';
const EXAMPLE_KIND = 'anthropic-api-key';
const SECRETS = ['token', 'secretId', 'wrappedSecretId'];
const MODE_FIELDS = {
  token: ['token'],
  approle: ['roleId', 'secretId', 'wrappedSecretId', 'authMount'],
  kubernetes: ['role', 'jwtPath', 'authMount'],
};
// Every config field, in the form's (and the service's) order.
const FIELDS = ['addr', 'namespace', 'mount', 'authMode', 'token', 'roleId', 'secretId',
  'wrappedSecretId', 'role', 'jwtPath', 'authMount', 'pathTemplate'];

const $ = (id) => document.getElementById(id);
const page = { key: null, options: null, saved: null, busy: false };

// ---- talking to the service

async function call(method, path, body, headers = {}, key = page.key) {
  const init = { method, headers: { authorization: `Bearer ${key}`, ...headers },
    cache: 'no-store', credentials: 'omit', redirect: 'error' };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    return { status: 0, json: null, error: { reason: 'network', message: 'the service did not answer' } };
  }
  const json = await response.json().catch(() => null);
  const error = json && typeof json.error === 'object' && json.error ? json.error : null;
  return { status: response.status, json, error };
}

/** An answer every caller treats alike: a key no longer accepted signs out. */
function signedOutBy(answer) {
  if (answer.status !== 401) return false;
  signOut('Your API key is no longer accepted (unauthorized): sign in again.');
  return true;
}

const describe = (a) => (a.error ? `${a.error.message} (${a.error.reason})` : `the service answered ${a.status}`);

// ---- what the page shows

function announce(text, kind = 'info') {
  const status = $('status');
  status.textContent = text;
  status.dataset.kind = kind;
}

function show(id, visible) { $(id).hidden = !visible; }

function showResult(id, text, ok) {
  const el = $(id);
  el.textContent = text;
  el.dataset.kind = ok ? 'ok' : 'error';
  el.hidden = false;
}

function clearProblems() {
  for (const name of FIELDS) {
    const input = $(name);
    input.removeAttribute('aria-invalid');
    $(`${name}-error`).textContent = '';
    show(`${name}-error`, false);
  }
  $('form-errors').replaceChildren();
  show('form-errors', false);
}

/** Shows each problem next to its field (others above the form), focuses the first. */
function showProblems(problems, from) {
  clearProblems();
  const general = [];
  for (const p of problems) {
    const input = FIELDS.includes(p.field) ? $(p.field) : null;
    if (input && !input.closest('[hidden]') && !input.disabled) {
      const error = $(`${p.field}-error`);
      error.textContent = error.textContent ? `${error.textContent}; ${p.message}` : p.message;
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
    } else {
      general.push(p.field ? `${p.field}: ${p.message}` : p.message);
    }
  }
  if (general.length) {
    const list = document.createElement('ul');
    list.append(...general.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
    $('form-errors').append(list);
    show('form-errors', true);
  }
  const first = FIELDS.map($).find((el) => el.getAttribute('aria-invalid') === 'true');
  const n = problems.length;
  announce(`${from}: ${n} problem${n === 1 ? '' : 's'} in the form. ${problems[0].field || 'config'}: ${problems[0].message}`, 'error');
  (first || $('config-title')).focus();
}

// ---- the form

function mode() { return $('authMode').value; }

function jwtPathAllowed() {
  const o = page.options;
  return Boolean(o && o.allowedJwtPaths.some((p) => p !== o.defaultJwtPath));
}

/** Shows only the chosen auth mode's fields; the others are hidden and disabled. */
function showMode() {
  for (const set of document.querySelectorAll('fieldset[data-mode]')) {
    const on = set.dataset.mode === mode();
    set.hidden = !on;
    set.disabled = !on;
  }
  show('jwtPath-field', jwtPathAllowed());
  $('jwtPath').disabled = !jwtPathAllowed();
  const login = mode() !== 'token';
  show('authMount-field', login);
  $('authMount').disabled = !login;
  $('authMount').placeholder = login ? mode() : '';
  showSecretStates();
}

function showSecretStates() {
  const saved = page.saved;
  for (const name of SECRETS) {
    const set = Boolean(saved && saved.config.authMode === mode() && saved.secretsSet.includes(name));
    $(`${name}-state`).textContent = set ? 'set' : 'not set';
    $(`${name}-state`).dataset.set = String(set);
    const keep = $(`${name}-keep`);
    if (keep) keep.textContent = set ? 'Leave empty to keep the saved value; type to replace it.' : 'Never shown again once saved.';
  }
}

/** The example path the template gives, or why there is none. */
function preview() {
  const template = $('pathTemplate').value.trim() || page.options?.defaultPathTemplate || '';
  const mount = $('mount').value.trim().replace(/^\/+|\/+$/g, '') || '{mount}';
  const problem = templateProblem(template);
  $('path-preview').textContent = problem ? `(none: ${problem})` : template.replace(/^\/+|\/+$/g, '')
    .split('/').map((s) => ({ '{mount}': mount, '{orgId}': page.options?.orgId ?? '{orgId}', '{kind}': EXAMPLE_KIND }[s] ?? s))
    .join('/');
}

/** Fills the form from a saved config: plain fields as saved, secret fields empty. */
function fill(saved) {
  for (const name of FIELDS) {
    if (name !== 'authMode') $(name).value = '';
  }
  $('authMode').value = saved ? saved.config.authMode : 'approle';
  if (saved) {
    for (const [name, value] of Object.entries(saved.config)) {
      if (name !== 'authMode' && !SECRETS.includes(name) && FIELDS.includes(name)) $(name).value = String(value);
    }
    if (saved.config.jwtPath === page.options?.defaultJwtPath) $('jwtPath').value = '';
  }
  clearProblems();
  showMode();
  preview();
}

function text(name) { return $(name).value.trim(); }

/** The request body: typed fields, and `keep` for saved secrets left empty. */
function body() {
  const m = mode();
  const config = {};
  for (const name of ['addr', 'namespace', 'mount']) if (text(name)) config[name] = text(name);
  config.authMode = m;
  for (const name of MODE_FIELDS[m]) {
    if ($(name).disabled) continue;
    const value = SECRETS.includes(name) ? $(name).value : text(name);
    if (value) config[name] = value;
  }
  if (text('pathTemplate')) config.pathTemplate = text('pathTemplate');
  const keep = [];
  const saved = page.saved;
  if (saved && saved.config.authMode === m) {
    const typedSecret = MODE_FIELDS[m].some((name) => SECRETS.includes(name) && config[name]);
    for (const name of saved.secretsSet) {
      if (MODE_FIELDS[m].includes(name) && !typedSecret) keep.push(name);
    }
  }
  return keep.length ? { providerType: 'vault', config, keep } : { providerType: 'vault', config };
}

// ---- actions

async function guarded(action) {
  if (page.busy) return;
  page.busy = true;
  document.body.setAttribute('aria-busy', 'true');
  try { await action(); } finally {
    page.busy = false;
    document.body.removeAttribute('aria-busy');
  }
}

async function signIn(candidate) {
  const answer = await call('GET', `${API}/options`, undefined, {}, candidate);
  if (answer.status !== 200) {
    const why = answer.status === 401 ? 'This API key was not accepted (unauthorized): check that it is complete and not revoked.'
      : answer.status === 403 ? 'This key cannot configure the org (forbidden): the Settings page needs an admin key, not a dispatch key.'
        : `Sign-in failed: ${describe(answer)}.`;
    return why;
  }
  page.key = candidate;
  page.options = answer.json;
  sessionStorage.setItem(STORED_KEY, candidate);
  return null;
}

function signOut(message) {
  sessionStorage.removeItem(STORED_KEY);
  Object.assign(page, { key: null, options: null, saved: null });
  fill(null);
  $('audit').replaceChildren();
  $('apiKey').value = '';
  show('session', false);
  show('backend', false);
  show('signin', true);
  announce(message, message.startsWith('Signed out') ? 'info' : 'error');
  $('apiKey').focus();
}

async function loadSavedHealth() {
  const answer = await call('POST', `${API}/vault/health`);
  if (signedOutBy(answer)) return;
  if (answer.status === 200) {
    const h = healthText(answer.json);
    showResult('saved-health', h.text, h.ok);
  } else {
    showResult('saved-health', `Not checked: ${describe(answer)}.`, false);
  }
}

function renderAudit(entries) {
  $('audit').replaceChildren(...entries.map(auditEntry));
  show('audit-empty', entries.length === 0);
}

async function loadAudit() {
  const answer = await call('GET', `${API}/audit`);
  if (signedOutBy(answer)) return;
  renderAudit(answer.status === 200 ? answer.json.entries : []);
}

function showSaved(saved) {
  page.saved = saved;
  show('saved', Boolean(saved));
  show('empty', !saved);
  show('remove', Boolean(saved));
  if (saved) {
    $('saved-version').textContent = String(saved.version);
    const secrets = saved.secretsSet.length ? `${saved.secretsSet.join(', ')} set` : 'no secret set';
    $('saved-summary').textContent = `${saved.config.authMode} auth at ${saved.config.addr}, mount ${saved.config.mount}, ${secrets}`;
    $('saved-health').textContent = 'Checking…';
    delete $('saved-health').dataset.kind;
    show('config', true);
  } else {
    show('config', false);
  }
  fill(saved);
  show('test-result', false);
}

async function load() {
  const answer = await call('GET', API);
  if (signedOutBy(answer)) return false;
  if (answer.status === 200) showSaved(answer.json);
  else if (answer.status === 404) showSaved(null);
  else announce(`Could not read the config: ${describe(answer)}.`, 'error');
  await Promise.all([loadAudit(), page.saved ? loadSavedHealth() : null]);
  return true;
}

function enter() {
  $('org').textContent = page.options.orgId;
  $('pathTemplate').placeholder = page.options.defaultPathTemplate;
  show('signin', false);
  show('session', true);
  show('backend', true);
}

async function testConnection() {
  const b = body();
  const problems = check(b);
  if (problems.length) return showProblems(problems, 'Test Connection not sent');
  clearProblems();
  announce('Testing the connection…');
  const answer = await call('POST', `${API}/vault/health`, b);
  if (signedOutBy(answer)) return;
  if (answer.status === 400 && answer.error?.problems) return showProblems(answer.error.problems, 'Test Connection refused');
  if (answer.status !== 200) {
    showResult('test-result', `Test Connection could not run: ${describe(answer)}.`, false);
    return announce(`Test Connection could not run: ${describe(answer)}.`, 'error');
  }
  const h = healthText(answer.json);
  showResult('test-result', `Test Connection: ${h.text}`, h.ok);
  announce(`Test Connection: ${h.text}`, h.ok ? 'ok' : 'error');
}

async function save() {
  const b = body();
  const problems = check(b);
  if (problems.length) return showProblems(problems, 'Not saved');
  clearProblems();
  const ifMatch = page.saved ? { 'if-match': `"${page.saved.version}"` } : {};
  const answer = await call('POST', API, b, ifMatch);
  if (signedOutBy(answer)) return;
  if (answer.status === 400 && answer.error?.problems) return showProblems(answer.error.problems, 'Not saved');
  if (answer.status !== 200) return announce(`Not saved: ${describe(answer)}.`, 'error');
  showSaved(answer.json);
  announce(`Saved version ${answer.json.version}: the provider is registered for the org.`, 'ok');
  await Promise.all([loadAudit(), loadSavedHealth()]);
}

async function remove() {
  const ifMatch = page.saved ? { 'if-match': `"${page.saved.version}"` } : {};
  const answer = await call('DELETE', API, undefined, ifMatch);
  if (signedOutBy(answer)) return;
  if (answer.status !== 204) return announce(`Not removed: ${describe(answer)}.`, 'error');
  showSaved(null);
  $('configure').focus();
  announce('Removed: the org has no credential backend now.', 'ok');
  await loadAudit();
}

// ---- wiring

function wire() {
  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    guarded(async () => {
      const candidate = $('apiKey').value.trim();
      const error = candidate ? await signIn(candidate) : 'Paste an admin API key first.';
      show('apiKey-error', Boolean(error));
      $('apiKey-error').textContent = error || '';
      if (error) {
        $('apiKey').setAttribute('aria-invalid', 'true');
        announce(error, 'error');
        return $('apiKey').focus();
      }
      $('apiKey').value = '';
      $('apiKey').removeAttribute('aria-invalid');
      enter();
      if (!(await load())) return;
      // Announced once the page is ready; the focus moves unless the user already moved it.
      announce(`Signed in to org ${page.options.orgId}.`, 'ok');
      if (!$('backend').contains(document.activeElement)) $('backend-title').focus();
    });
  });
  $('sign-out').addEventListener('click', () => signOut('Signed out: the key is gone from this tab.'));
  $('configure').addEventListener('click', () => {
    fill(null);
    show('empty', false);
    show('config', true);
    $('addr').focus();
  });
  $('authMode').addEventListener('change', () => { showMode(); clearProblems(); });
  $('mount').addEventListener('input', preview);
  $('pathTemplate').addEventListener('input', preview);
  $('test').addEventListener('click', () => guarded(testConnection));
  $('config').addEventListener('submit', (event) => { event.preventDefault(); guarded(save); });
  $('recheck').addEventListener('click', () => guarded(async () => {
    await loadSavedHealth();
    announce(`Saved config: ${$('saved-health').textContent}`, $('saved-health').dataset.kind);
  }));
  const dialog = $('confirm-remove');
  $('remove').addEventListener('click', () => dialog.showModal());
  $('confirm-cancel').addEventListener('click', () => dialog.close('cancel'));
  $('confirm-yes').addEventListener('click', () => {
    dialog.close('remove');
    guarded(remove);
  });
}

async function start() {
  wire();
  const stored = sessionStorage.getItem(STORED_KEY);
  if (!stored) {
    show('signin', true);
    return;
  }
  const error = await signIn(stored);
  if (error) return signOut(error);
  enter();
  await load();
}

start();
