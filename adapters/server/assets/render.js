// Views of the service's answers for the Settings page: the health report as a sentence and an
// audit entry as a list item. Built with textContent only: whatever a field holds, it is text.

const words = (reason) => String(reason).replaceAll('_', ' ');
const listed = (checks) => (Array.isArray(checks) && checks.length ? checks.join(', ') : '');

/** `{ok, text}` for a health report (`{"ok":true,"latencyMs"}` or `{"ok":false,"reason","error"}`). */
export function healthText(report) {
  const checks = listed(report.checks);
  if (report.ok) {
    return { ok: true, text: `Connection OK in ${report.latencyMs} ms${checks ? ` (checks: ${checks})` : ''}.` };
  }
  const passed = checks ? ` (passed: ${checks})` : '';
  const said = String(report.error).replace(`${report.reason}: `, '');
  return { ok: false, text: `Failed: ${words(report.reason)} (${report.reason})${passed}: ${said}` };
}

/** One audit entry: when, which key, what it did, and each change (secrets only as set/changed/removed). */
export function auditEntry(e) {
  const item = document.createElement('li');
  const when = document.createElement('time');
  when.dateTime = new Date(e.at).toISOString();
  when.textContent = new Date(e.at).toLocaleString();
  const who = document.createElement('span');
  who.className = 'actor';
  who.textContent = `key ${e.actor}`;
  const what = document.createElement('strong');
  what.textContent = `${e.action}d${e.version ? ` version ${e.version}` : ''}`;
  const changes = document.createElement('ul');
  const shown = (v) => (v === null || v === undefined ? 'none' : JSON.stringify(v));
  for (const c of e.changes || []) {
    const li = document.createElement('li');
    li.textContent = c.secret ? `${c.field}: ${c.secret}` : `${c.field}: ${shown(c.from)} → ${shown(c.to)}`;
    changes.append(li);
  }
  item.append(when, ' · ', who, ' · ', what, changes);
  return item;
}
