/**
 * The dashboard page's script (bundled by esbuild into dist/dashboard/app.js). It reads one
 * server-sent-events stream (sessions, runs, their items) and calls the JSON API; every value is
 * put on the page as text, never as markup.
 */
import type { SessionState } from '../../session/state.js';
import { finalAnswer, type RunItem } from '../events.js';
import type { RunEvent, RunSummary } from '../runs.js';

interface RunView {
  summary: RunSummary;
  items: Map<string, RunItem>;
  element: HTMLLIElement;
}

const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;
/** Server time minus browser time, so that countdowns use the server's clock. */
let offset = 0;
const serverNow = () => Date.now() + offset;
const runs = new Map<string, RunView>();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string> = {}, ...children: (Node | string)[]) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

/** "4 m 05 s" from milliseconds. */
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

function countdown(expiresAt: number): { text: string; expired: boolean } {
  const left = expiresAt - serverNow();
  return left <= 0 ? { text: 'expired', expired: true } : { text: `in ${duration(left)}`, expired: false };
}

/** Countdowns and running times move every second without the server. */
function tick(): void {
  for (const node of document.querySelectorAll<HTMLElement>('[data-expires]')) {
    const c = countdown(Number(node.dataset.expires));
    node.textContent = c.text;
    node.classList.toggle('expired', c.expired);
  }
  for (const node of document.querySelectorAll<HTMLElement>('[data-since]')) {
    const end = node.dataset.until ? Number(node.dataset.until) : serverNow();
    node.textContent = duration(end - Number(node.dataset.since));
  }
}

// --- Sessions ---------------------------------------------------------------------------------

function renderSessions(sessions: SessionState[]): void {
  const table = $<HTMLTableElement>('#sessions');
  const body = table.tBodies[0];
  body.replaceChildren(
    ...sessions.map((s) => {
      const expires = el('span', { class: 'countdown', 'data-expires': String(s.tokenExpiresAt) });
      const refresh =
        s.lastRefreshAt === undefined
          ? '–'
          : `${duration(serverNow() - s.lastRefreshAt)} ago${s.lastRefreshOutcome ? ` (${s.lastRefreshOutcome})` : ''}`;
      const row = el(
        'tr',
        { 'data-pid': String(s.pid) },
        el('td', {}, String(s.pid)),
        el('td', { class: 'dir' }, s.cwd),
        el('td', {}, s.mode),
        el('td', {}, s.model ?? '–'),
        el('td', {}, s.gateway ?? (s.mode === 'mock' ? 'mock model' : '–')),
        el('td', {}, expires),
        el('td', { class: s.lastRefreshOutcome && s.lastRefreshOutcome !== 'ok' ? 'bad' : '' }, refresh),
        el('td', { class: 'num' }, String(s.refreshes)),
        el('td', { class: 'num' }, String(s.requestsProxied)),
        el('td', { class: `num${s.upstreamErrors ? ' bad' : ''}` }, String(s.upstreamErrors)),
        el('td', {}, el('span', { class: 'running', 'data-since': String(s.startedAt) })),
      );
      return row;
    }),
  );
  table.hidden = sessions.length === 0;
  $('#no-sessions').hidden = sessions.length > 0;
  $('#session-count').textContent = sessions.length ? `(${sessions.length})` : '';
  tick();
}

// --- Runs -------------------------------------------------------------------------------------

const LABELS: Record<RunItem['kind'], string> = {
  message: 'Codex',
  reasoning: 'thinking',
  command: 'command',
  files: 'files',
  tool: 'tool',
  search: 'search',
  todo: 'plan',
  warning: 'warning',
  error: 'error',
  usage: 'usage',
  log: 'log',
};

function itemElement(item: RunItem): HTMLLIElement {
  const node = el('li', { class: 'item', 'data-kind': item.kind, 'data-item': item.id }, el('span', { class: 'label' }, LABELS[item.kind]));
  if (item.kind === 'command') {
    node.append(`$ ${item.text}`);
    const status =
      item.exitCode !== undefined ? `exit ${item.exitCode}` : item.status && item.status !== 'in_progress' ? item.status : 'running…';
    node.append(
      ' ',
      el('span', { class: `exit ${item.exitCode === 0 ? 'good' : item.exitCode === undefined ? '' : 'bad'}` }, `(${status})`),
    );
    if (item.output) node.append(el('pre', {}, item.output));
  } else {
    node.append(item.text);
  }
  return node;
}

function renderRunHead(view: RunView): void {
  const { summary } = view;
  const head = view.element.querySelector('.run-head') as HTMLElement;
  const until: Record<string, string> = summary.endedAt === undefined ? {} : { 'data-until': String(summary.endedAt) };
  const state = summary.state === 'failed' ? `failed (exit ${summary.exitCode})` : summary.state;
  head.replaceChildren(
    el('span', { class: 'state', 'data-state': summary.state }, state),
    el('span', { class: 'run-dir' }, summary.dir),
    el('span', { class: 'running', 'data-since': String(summary.startedAt), ...until }),
  );
  if (summary.state === 'running') {
    const stop = el('button', { type: 'button', class: 'stop', 'aria-label': `Stop run ${summary.id}` }, 'Stop');
    stop.addEventListener('click', async () => {
      (stop as HTMLButtonElement).disabled = true;
      await post(`/api/runs/${summary.id}/stop`, {});
    });
    head.append(stop);
  }
  view.element.dataset.state = summary.state;
  view.element.querySelector('.answer')?.remove();
  if (summary.state !== 'running') {
    const answer = finalAnswer([...view.items.values()]);
    if (answer !== undefined) view.element.append(el('div', { class: 'answer' }, el('strong', {}, 'Final answer'), answer));
  }
  tick();
}

function upsertRun(summary: RunSummary, items: RunItem[] = []): RunView {
  let view = runs.get(summary.id);
  if (!view) {
    const element = el(
      'li',
      { class: 'run', 'data-run': summary.id },
      el('div', { class: 'run-head' }),
      el('p', { class: 'run-prompt' }, summary.prompt),
      el('ol', { class: 'items', 'aria-live': 'polite' }),
    );
    view = { summary, items: new Map(), element };
    runs.set(summary.id, view);
    $('#runs').prepend(element);
    $('#no-runs').hidden = true;
  }
  view.summary = summary;
  for (const item of items) upsertItem(view, item);
  renderRunHead(view);
  return view;
}

function upsertItem(view: RunView, item: RunItem): void {
  const list = view.element.querySelector('.items') as HTMLElement;
  const old = list.querySelector(`[data-item="${CSS.escape(item.id)}"]`);
  const node = itemElement(item);
  if (old) old.replaceWith(node);
  else list.append(node);
  view.items.set(item.id, item);
}

// --- Settings and check -----------------------------------------------------------------------

async function post(path: string, body: unknown): Promise<{ ok: boolean; data: Record<string, unknown> }> {
  try {
    const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { ok: res.ok, data: await res.json().catch(() => ({ error: `HTTP ${res.status}` })) };
  } catch {
    return { ok: false, data: { error: 'the dashboard is not reachable: is codex-wrap dashboard still running?' } };
  }
}

async function loadSettings(): Promise<void> {
  const res = await fetch('/api/settings');
  if (!res.ok) return;
  const data = (await res.json()) as { cwd: string; settings: Record<string, { value: string; from: string }> };
  $('#settings-where').textContent =
    `As resolved in ${data.cwd}; a run in another directory also reads that project's approved .codex-wrap.env.`;
  $<HTMLTableElement>('#settings').tBodies[0].replaceChildren(
    ...Object.entries(data.settings).map(([key, v]) =>
      el(
        'tr',
        { 'data-key': key },
        el('th', { scope: 'row' }, key),
        el('td', { class: 'value' }, v.value),
        el('td', { class: 'from' }, v.from),
      ),
    ),
  );
}

async function runCheck(): Promise<void> {
  const button = $<HTMLButtonElement>('#check');
  button.disabled = true;
  $('#check-summary').textContent = 'checking…';
  const { ok, data } = await post('/api/check', {});
  button.disabled = false;
  if (!ok) {
    $('#check-summary').textContent = String(data.error ?? 'check failed');
    return;
  }
  const checks = data.checks as { name: string; ok: boolean; detail: string }[];
  $('#check-summary').textContent = data.ok ? 'every check passed' : 'some checks failed';
  $('#checks').replaceChildren(
    ...checks.map((c) =>
      el(
        'li',
        { 'data-check': c.name, 'data-ok': String(c.ok) },
        el('span', { class: `mark ${c.ok ? 'good' : 'bad'}`, 'aria-label': c.ok ? 'passed' : 'failed' }, c.ok ? '✓' : '✗'),
        el('strong', {}, c.name),
        ` ${c.detail}`,
      ),
    ),
  );
}

// --- Wiring -----------------------------------------------------------------------------------

function connect(): void {
  const status = $('#connection');
  const events = new EventSource('/api/events');
  const on = <T>(name: string, handle: (data: T) => void) =>
    events.addEventListener(name, (e) => handle(JSON.parse((e as MessageEvent<string>).data) as T));
  on<{ now: number }>('hello', (d) => {
    offset = d.now - Date.now();
    status.textContent = 'live';
    status.dataset.state = 'live';
  });
  on<{ now: number; sessions: SessionState[] }>('sessions', (d) => {
    offset = d.now - Date.now();
    renderSessions(d.sessions);
  });
  on<{ runs: (RunSummary & { items: RunItem[] })[] }>('runs', (d) => {
    for (const { items, ...summary } of d.runs) upsertRun(summary, items);
  });
  on<Extract<RunEvent, { type: 'run' }>>('run', (d) => upsertRun(d.run));
  on<Extract<RunEvent, { type: 'item' }>>('item', (d) => {
    const view = runs.get(d.runId);
    if (view) upsertItem(view, d.item);
  });
  events.onerror = () => {
    status.textContent = 'reconnecting… (is codex-wrap dashboard still running?)';
    status.dataset.state = 'lost';
  };
}

$('#start-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const button = $<HTMLButtonElement>('#start');
  const error = $('#start-error');
  error.textContent = '';
  button.disabled = true;
  const { ok, data } = await post('/api/runs', { dir: $<HTMLInputElement>('#dir').value, prompt: $<HTMLTextAreaElement>('#prompt').value });
  button.disabled = false;
  if (!ok) {
    error.textContent = String(data.error ?? 'the run could not start');
    return;
  }
  upsertRun(data.run as RunSummary);
  $<HTMLTextAreaElement>('#prompt').value = '';
});
$('#check').addEventListener('click', () => void runCheck());

connect();
void loadSettings();
setInterval(tick, 1000);
