// The service's checks of a config body, mirrored so the form can point at a mistake before
// sending it. The service's own answer (its `problems`, by field) is what counts: these only
// save a round trip, and never accept what the service would refuse in the common cases.

const SECRETS = ['token', 'secretId', 'wrappedSecretId'];

function segmentProblem(s) {
  if (s === '') return 'must not be empty';
  if (s === '.' || s === '..') return "must not be '.' or '..'";
  for (const [re, what] of [[/\//, "'/'"], [/\\/, "'\\'"], [/\?/, "'?'"], [/#/, "'#'"], [/%/, "'%'"],
    [/[{}]/, "'{' or '}'"], [/\s/, 'whitespace'], [/[\u0000-\u001f\u007f]/, 'control characters']]) {
    if (re.test(s)) return `must not contain ${what}`;
  }
  return null;
}

function mountProblem(value) {
  const trimmed = value.replace(/^\/+|\/+$/g, '');
  if (!trimmed) return 'must not be empty';
  for (const s of trimmed.split('/')) {
    const p = segmentProblem(s);
    if (p) return `segment ${JSON.stringify(s)} ${p}`;
  }
  return null;
}

export function templateProblem(template) {
  const segments = template.replace(/^\/+|\/+$/g, '').split('/');
  if (!segments[0]) return 'must not be empty';
  for (const s of segments) {
    if (/[{}]/.test(s) && !['{mount}', '{orgId}', '{kind}'].includes(s)) {
      return `placeholder in ${JSON.stringify(s)} must be a whole path segment, one of {mount}, {orgId}, {kind}`;
    }
  }
  for (const name of ['{orgId}', '{kind}']) {
    const n = segments.filter((s) => s === name).length;
    if (n !== 1) return n ? `must contain ${name} exactly once` : `must contain ${name} as a whole segment`;
  }
  if (segments.indexOf('{kind}') < segments.indexOf('{orgId}')) return '{orgId} must come before {kind}';
  return null;
}

function addrProblem(value) {
  if (!value) return 'is required (e.g. https://vault.example.com:8200)';
  if (/[?#]/.test(value)) return 'must not contain a query or fragment';
  const parsed = /^(https?):\/\/([^/]*)(.*)$/i.exec(value);
  if (!parsed) return 'must be an http(s) URL like https://vault.example.com:8200';
  if (parsed[2].includes('@')) return 'must not contain credentials (user:password@)';
  if (!parsed[2] || parsed[2].startsWith(':')) return 'must include a host';
  if (parsed[3].split(/[/\\]/).some((s) => s === '.' || s === '..')) return "path must not contain '.' or '..' segments";
  return null;
}

export function check(b) {
  const problems = [];
  const add = (field, message) => { if (message) problems.push({ field, message }); };
  const c = b.config;
  const kept = (name) => (b.keep || []).includes(name);
  add('addr', addrProblem(c.addr || ''));
  if (c.namespace && /\s|[\u0000-\u001f]/.test(c.namespace)) add('namespace', 'must not contain whitespace or control characters');
  add('mount', c.mount ? mountProblem(c.mount) : 'is required (the KV v2 mount, e.g. "secret")');
  for (const name of SECRETS) {
    if (c[name] && !/^[\x21-\x7e]+$/.test(c[name])) add(name, 'must contain only printable ASCII without spaces (value not shown)');
  }
  if (c.authMode === 'token' && !c.token && !kept('token')) add('token', 'is required when authMode is "token"');
  if (c.authMode === 'approle') {
    if (!c.roleId) add('roleId', 'is required when authMode is "approle"');
    if (c.secretId && c.wrappedSecretId) add('wrappedSecretId', 'give either secretId or wrappedSecretId, not both');
    if (!c.secretId && !c.wrappedSecretId && !kept('secretId') && !kept('wrappedSecretId')) {
      add('secretId', 'is required when authMode is "approle" (or give wrappedSecretId)');
    }
  }
  if (c.authMode === 'kubernetes' && !c.role) add('role', 'is required when authMode is "kubernetes"');
  if (c.authMount) add('authMount', mountProblem(c.authMount));
  if (c.pathTemplate) add('pathTemplate', templateProblem(c.pathTemplate));
  return problems;
}
