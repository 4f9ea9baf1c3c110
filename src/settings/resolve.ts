/**
 * Settings: which source wins, and whether the result is usable. Pure: the files are read by
 * sources.ts and handed in as layers.
 */
import { ExitCode, WrapError } from '../errors.js';

export type AuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface OAuthSettings {
  endpoint: URL;
  clientId: string;
  clientSecret: string;
  scope?: string;
  audience?: string;
  authMethod: AuthMethod;
}

export interface Settings {
  /** The gateway, e.g. https://llm.example.com/v1. Absent only in MOCK_MODE with the proxy. */
  baseUrl?: URL;
  model: string;
  /** 0 turns the max_output_tokens injection off. */
  maxTokens: number;
  refreshIntervalSec: number;
  /** Absent in MOCK_MODE. */
  oauth?: OAuthSettings;
  mock: boolean;
  proxy: boolean;
  codexHome: string;
  codexBin?: string;
  /** Extra CA certificates (PEM) for the IdP and the gateway, on top of the system roots. */
  caFile?: string;
}

/** One source of values, keyed by variable name. `label` says where a value came from. */
export interface Layer {
  kind: 'flag' | 'env' | 'env-file' | 'project' | 'user';
  label: string;
  values: Readonly<Record<string, string | undefined>>;
}

/**
 * What an approved project file (`.codex-wrap.env`) may set (issue #8). `allowed`: per-project
 * tuning that neither chooses a host, a file nor an executable; `trusted`: only with
 * --trust-project-env; `never`: not even then (it would run a command of the project's choosing).
 */
export type ProjectRule = 'allowed' | 'trusted' | 'never';

interface KeySpec {
  default?: string;
  project: ProjectRule;
  /** Never printed (check shows [redacted]), never in Codex's environment. */
  secret?: boolean;
}

/** Every setting, in the order help, check and the README list them. */
export const SETTINGS = {
  LLM_API_BASE_URL: { project: 'trusted' },
  LLM_MODEL_NAME: { default: 'gpt-4-internal', project: 'allowed' },
  MAX_TOKENS: { default: '4096', project: 'allowed' },
  TOKEN_REFRESH_INTERVAL: { default: '900', project: 'allowed' },
  OAUTH_ENDPOINT: { project: 'trusted' },
  OAUTH_CLIENT_ID: { project: 'trusted' },
  OAUTH_CLIENT_SECRET: { project: 'trusted', secret: true },
  OAUTH_CLIENT_SECRET_COMMAND: { project: 'never', secret: true },
  OAUTH_SCOPE: { project: 'trusted' },
  OAUTH_AUDIENCE: { project: 'trusted' },
  OAUTH_AUTH_METHOD: { default: 'client_secret_basic', project: 'trusted' },
  MOCK_MODE: { default: 'false', project: 'allowed' },
  PROXY_MODE: { default: 'true', project: 'trusted' },
  CODEX_HOME: { project: 'trusted' },
  CODEX_BIN: { project: 'trusted' },
  CA_CERT_FILE: { project: 'trusted' },
} as const satisfies Record<string, KeySpec>;

export type Key = keyof typeof SETTINGS;
export const KEYS = Object.keys(SETTINGS) as Key[];
export const spec = (k: Key): KeySpec => SETTINGS[k];

export interface Resolved {
  value: string;
  from: string;
  kind: Layer['kind'] | 'default';
}

/**
 * The merge order, highest first: command-line flags, the process environment, `--env-file FILE`
 * (a later file above an earlier one), the project's `.codex-wrap.env` once the user approved it,
 * the user file (`$XDG_CONFIG_HOME/codex-wrap/.env`), then the defaults. A project's own `.env`
 * is never read: it belongs to the project's app. Callers pass the layers in this order.
 * An empty value counts as unset, so `FOO=` in a file never hides a lower source.
 */
export function resolve(layers: readonly Layer[]): Partial<Record<Key, Resolved>> {
  const out: Partial<Record<Key, Resolved>> = {};
  for (const key of KEYS) {
    const layer = layers.find((l) => (l.values[key] ?? '') !== '');
    if (layer) out[key] = { value: layer.values[key] as string, from: layer.label, kind: layer.kind };
    else if (spec(key).default !== undefined) out[key] = { value: spec(key).default as string, from: 'default', kind: 'default' };
  }
  return out;
}

const TRUE = ['true', '1', 'yes'];
const FALSE = ['false', '0', 'no'];

export function parseBool(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (TRUE.includes(t)) return true;
  if (FALSE.includes(t)) return false;
  return undefined;
}

export function parseWhole(text: string): number | undefined {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

export function isLoopback(url: URL): boolean {
  const h = url.hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

interface ValidateOptions {
  home: string;
  /** Set by --trust-project-env or CODEX_WRAP_TRUST_PROJECT_ENV, never by a project file. */
  trustProject: boolean;
}

type Resolutions = Partial<Record<Key, Resolved>>;

/** Far above any model's output limit; a larger value is a typo (it was sent as 1e+23). */
export const MAX_MAX_TOKENS = 10_000_000;
/** What a timer holds, in seconds (about 24.8 days). */
export const MAX_REFRESH_INTERVAL_SEC = Math.floor((2 ** 31 - 1) / 1000);

/** Collects problems while reading typed values out of the resolved settings. */
function reader(resolved: Resolutions) {
  const problems: string[] = [];
  const where = (k: Key) => (resolved[k] ? ` (from ${resolved[k].from})` : '');
  const get = (k: Key) => resolved[k]?.value.trim();
  return {
    problems,
    get,
    where,
    bool(k: Key): boolean {
      const v = parseBool(get(k) ?? '');
      if (v === undefined) problems.push(`${k}${where(k)} must be true/false, 1/0 or yes/no, not "${get(k)}"`);
      return v ?? false;
    },
    whole(k: Key, min: number, max: number): number {
      const v = parseWhole(get(k) ?? '');
      if (v === undefined || v < min || v > max) {
        problems.push(`${k}${where(k)} must be a whole number from ${min} to ${max.toLocaleString('en-US')}, not "${get(k)}"`);
      }
      return v ?? 0;
    },
    /** An http(s) URL; plain http only for loopback, or anywhere when `anyHttp`. Never echoes credentials. */
    url(k: Key, o: { required: boolean; example: string; anyHttp: boolean }): URL | undefined {
      const text = get(k);
      if (!text) {
        if (o.required) problems.push(`${k} is not set — set it to ${o.example}`);
        return undefined;
      }
      let u: URL;
      try {
        u = new URL(text);
      } catch {
        problems.push(`${k}${where(k)} is not a URL — use a full URL such as ${o.example}`);
        return undefined;
      }
      if (u.username || u.password) {
        problems.push(
          `${k}${where(k)} has a user name or password in it (${u.protocol}//…@${u.host}) — ` +
            'codex-wrap sends only the IdP token; remove the credentials from the URL',
        );
        return undefined;
      }
      if (u.protocol !== 'https:' && u.protocol !== 'http:') {
        problems.push(`${k}${where(k)} must be an https:// URL, not ${u.protocol}`);
      } else if (u.protocol === 'http:' && !o.anyHttp && !isLoopback(u)) {
        problems.push(`${k}${where(k)} must use https:// (plain http is allowed only for 127.0.0.1/localhost or in MOCK_MODE)`);
      }
      return u;
    },
  };
}

/** Validates everything at once; throws one WrapError listing every problem. */
export function validate(resolved: Resolutions, options: ValidateOptions): Settings {
  const read = reader(resolved);
  const { problems, get } = read;
  problems.push(...projectProblems(resolved, options.trustProject));
  const mock = read.bool('MOCK_MODE');
  const proxy = read.bool('PROXY_MODE');
  const model = get('LLM_MODEL_NAME');
  if (!model) problems.push(`LLM_MODEL_NAME${read.where('LLM_MODEL_NAME')} is blank — set it to the model your gateway serves`);
  const baseUrl = gateway(read, resolved, mock, proxy);
  const maxTokens = read.whole('MAX_TOKENS', 0, MAX_MAX_TOKENS);
  const refreshIntervalSec = read.whole('TOKEN_REFRESH_INTERVAL', 1, MAX_REFRESH_INTERVAL_SEC);
  const oauth = mock ? undefined : oauthSettings(read, resolved);

  if (problems.length > 0) {
    throw new WrapError(`${problems.length === 1 ? 'a setting is' : `${problems.length} settings are`} not usable`, {
      hint: 'fix the settings below (flags, environment or your settings files; see codex-wrap --help)',
      exitCode: ExitCode.usage,
      details: problems,
    });
  }
  return {
    baseUrl,
    model: model as string,
    maxTokens,
    refreshIntervalSec,
    oauth,
    mock,
    proxy,
    codexHome: get('CODEX_HOME') || `${options.home}/.codex`,
    codexBin: get('CODEX_BIN') || undefined,
    caFile: get('CA_CERT_FILE') || undefined,
  };
}

/**
 * The gateway. In MOCK_MODE the built-in mock model answers unless a gateway was named for this
 * run (flag, environment, --env-file): the user file's real gateway never gets the mock token or a
 * prompt (issue #9). A project file's gateway only gets here with --trust-project-env.
 */
function gateway(read: ReturnType<typeof reader>, resolved: Resolutions, mock: boolean, proxy: boolean): URL | undefined {
  if (mock && resolved.LLM_API_BASE_URL?.kind === 'user') {
    if (!proxy) read.problems.push('MOCK_MODE with PROXY_MODE=false needs LLM_API_BASE_URL from a flag, the environment or --env-file');
    return undefined;
  }
  const example = 'the gateway base URL, e.g. https://llm.example.com/v1';
  const url = read.url('LLM_API_BASE_URL', { required: !(mock && proxy), example, anyHttp: mock });
  if (mock && !proxy && !read.get('LLM_API_BASE_URL')) {
    read.problems.push('MOCK_MODE with PROXY_MODE=false needs LLM_API_BASE_URL: the built-in mock model lives in the proxy');
  }
  return url;
}

function oauthSettings(read: ReturnType<typeof reader>, resolved: Resolutions): OAuthSettings | undefined {
  const { problems, get } = read;
  const example = "the IdP's token endpoint, e.g. https://idp.example.com/oauth2/token";
  const endpoint = read.url('OAUTH_ENDPOINT', { required: true, example, anyHttp: false });
  const clientId = get('OAUTH_CLIENT_ID');
  const clientSecret = resolved.OAUTH_CLIENT_SECRET?.value;
  if (!clientId) problems.push('OAUTH_CLIENT_ID is not set — set it to the client id your IdP issued');
  if (!clientSecret?.trim()) {
    problems.push(
      `OAUTH_CLIENT_SECRET is ${clientSecret ? 'blank' : 'not set'} — put it in your user file or the environment, ` +
        'or set OAUTH_CLIENT_SECRET_COMMAND to a command that prints it (never on the command line)',
    );
  }
  const method = get('OAUTH_AUTH_METHOD');
  if (method !== 'client_secret_basic' && method !== 'client_secret_post') {
    problems.push(`OAUTH_AUTH_METHOD${read.where('OAUTH_AUTH_METHOD')} must be client_secret_basic or client_secret_post, not "${method}"`);
  }
  if (!endpoint || !clientId || !clientSecret?.trim()) return undefined;
  return {
    endpoint,
    clientId,
    clientSecret,
    scope: get('OAUTH_SCOPE') || undefined,
    audience: get('OAUTH_AUDIENCE') || undefined,
    authMethod: method as AuthMethod,
  };
}

/**
 * What a project file set that it may not (the rules are in SETTINGS). A cloned repository must
 * never choose the executable, the IdP, the gateway, the CA or where config is written.
 */
export function projectProblems(resolved: Resolutions, trusted: boolean): string[] {
  return refusedProjectKeys(resolved, trusted).map((k) => {
    const fix =
      spec(k).project === 'never'
        ? 'it must come from you (the environment, --env-file or your user file), even with --trust-project-env'
        : 'remove it from that file, or pass --trust-project-env if you trust this directory';
    return `${k} comes from ${resolved[k]?.from}, a project file, which may not set it — ${fix}`;
  });
}

/** The keys a project file set that the rules do not let it set. Pure. */
export function refusedProjectKeys(resolved: Resolutions, trusted: boolean): Key[] {
  return KEYS.filter((k) => {
    if (resolved[k]?.kind !== 'project') return false;
    const rule = spec(k).project;
    return !(rule === 'allowed' || (rule === 'trusted' && trusted));
  });
}
