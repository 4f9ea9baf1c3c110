/**
 * Settings: which source wins, and whether the result is usable. Pure: the files are read by
 * sources.ts and handed in as layers.
 */
import { ExitCode, WrapError } from './errors.js';

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

export const KEYS = [
  'LLM_API_BASE_URL',
  'LLM_MODEL_NAME',
  'MAX_TOKENS',
  'TOKEN_REFRESH_INTERVAL',
  'OAUTH_ENDPOINT',
  'OAUTH_CLIENT_ID',
  'OAUTH_CLIENT_SECRET',
  'OAUTH_SCOPE',
  'OAUTH_AUDIENCE',
  'OAUTH_AUTH_METHOD',
  'MOCK_MODE',
  'PROXY_MODE',
  'CODEX_HOME',
  'CODEX_BIN',
  'CA_CERT_FILE',
] as const;
export type Key = (typeof KEYS)[number];

export const DEFAULTS: Partial<Record<Key, string>> = {
  LLM_MODEL_NAME: 'gpt-4-internal',
  MAX_TOKENS: '4096',
  TOKEN_REFRESH_INTERVAL: '900',
  OAUTH_AUTH_METHOD: 'client_secret_basic',
  MOCK_MODE: 'false',
  PROXY_MODE: 'true',
};

export interface Resolved {
  value: string;
  from: string;
  kind: Layer['kind'] | 'default';
}

/**
 * The merge order, highest first: command-line flags, the process environment, `--env-file FILE`,
 * `.env` in the current directory (the project's), the user file
 * (`$XDG_CONFIG_HOME/codex-wrap/.env`), then the defaults. Callers pass the layers in this order.
 * An empty value counts as unset, so `FOO=` in a file never hides a lower source.
 */
export function resolve(layers: readonly Layer[]): Partial<Record<Key, Resolved>> {
  const out: Partial<Record<Key, Resolved>> = {};
  for (const key of KEYS) {
    const layer = layers.find((l) => (l.values[key] ?? '') !== '');
    if (layer) out[key] = { value: layer.values[key] as string, from: layer.label, kind: layer.kind };
    else if (DEFAULTS[key] !== undefined) out[key] = { value: DEFAULTS[key], from: 'default', kind: 'default' };
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

interface Context {
  home: string;
  /** Set by --trust-project-env or CODEX_WRAP_TRUST_PROJECT_ENV, never by the project's .env. */
  trustProject: boolean;
}

/** Validates everything at once; throws one WrapError listing every problem. */
export function validate(r: Partial<Record<Key, Resolved>>, ctx: Context): Settings {
  const problems: string[] = [];
  const where = (k: Key) => (r[k] ? ` (from ${r[k].from})` : '');
  const get = (k: Key) => r[k]?.value.trim();

  const bool = (k: Key): boolean => {
    const v = parseBool(get(k) ?? '');
    if (v === undefined) problems.push(`${k}${where(k)} must be true/false, 1/0 or yes/no, not "${get(k)}"`);
    return v ?? false;
  };
  const whole = (k: Key, min: number): number => {
    const v = parseWhole(get(k) ?? '');
    if (v === undefined || v < min) {
      problems.push(`${k}${where(k)} must be a whole number${min > 0 ? ' above 0' : ''}, not "${get(k)}"`);
    }
    return v ?? 0;
  };
  const mock = bool('MOCK_MODE');
  const proxy = bool('PROXY_MODE');
  const url = (k: Key, required: boolean, example: string): URL | undefined => {
    const text = get(k);
    if (!text) {
      if (required) problems.push(`${k} is not set — set it to ${example}`);
      return undefined;
    }
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      problems.push(`${k}${where(k)} is not a URL: "${text}" — use a full URL such as ${example}`);
      return undefined;
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') {
      problems.push(`${k}${where(k)} must be an https:// URL, not ${u.protocol}`);
    } else if (u.protocol === 'http:' && !mock && !isLoopback(u)) {
      problems.push(`${k}${where(k)} must use https:// (plain http is allowed only for 127.0.0.1/localhost or in MOCK_MODE)`);
    }
    return u;
  };

  const baseUrl = url('LLM_API_BASE_URL', !(mock && proxy), 'the gateway base URL, e.g. https://llm.example.com/v1');
  if (mock && !proxy && !get('LLM_API_BASE_URL')) {
    problems.push('MOCK_MODE with PROXY_MODE=false needs LLM_API_BASE_URL: the built-in mock model lives in the proxy');
  }
  const maxTokens = whole('MAX_TOKENS', 0);
  const refreshIntervalSec = whole('TOKEN_REFRESH_INTERVAL', 1);

  let oauth: OAuthSettings | undefined;
  if (!mock) {
    const endpoint = url('OAUTH_ENDPOINT', true, "the IdP's token endpoint, e.g. https://idp.example.com/oauth2/token");
    const clientId = get('OAUTH_CLIENT_ID');
    const clientSecret = r.OAUTH_CLIENT_SECRET?.value;
    if (!clientId) problems.push('OAUTH_CLIENT_ID is not set — set it to the client id your IdP issued');
    if (!clientSecret) {
      problems.push('OAUTH_CLIENT_SECRET is not set — put it in the environment or a .env file (never on the command line)');
    }
    const method = get('OAUTH_AUTH_METHOD');
    if (method !== 'client_secret_basic' && method !== 'client_secret_post') {
      problems.push(`OAUTH_AUTH_METHOD${where('OAUTH_AUTH_METHOD')} must be client_secret_basic or client_secret_post, not "${method}"`);
    }
    problems.push(...projectOverrides(r, ctx.trustProject));
    if (endpoint && clientId && clientSecret) {
      oauth = {
        endpoint,
        clientId,
        clientSecret,
        scope: get('OAUTH_SCOPE') || undefined,
        audience: get('OAUTH_AUDIENCE') || undefined,
        authMethod: method as AuthMethod,
      };
    }
  }

  if (problems.length > 0) {
    throw new WrapError(`${problems.length === 1 ? 'a setting is' : `${problems.length} settings are`} not usable`, {
      hint: 'fix the settings below (flags, environment or .env files; see codex-wrap --help)',
      exitCode: ExitCode.usage,
      details: problems,
    });
  }
  return {
    baseUrl,
    model: get('LLM_MODEL_NAME') as string,
    maxTokens,
    refreshIntervalSec,
    oauth,
    mock,
    proxy,
    codexHome: get('CODEX_HOME') || `${ctx.home}/.codex`,
    codexBin: get('CODEX_BIN') || undefined,
    caFile: get('CA_CERT_FILE') || undefined,
  };
}

/**
 * A project's .env must not send a client secret that came from elsewhere (a cloned repo could
 * otherwise point OAUTH_ENDPOINT at its own host and collect the secret), nor the token it buys.
 */
function projectOverrides(r: Partial<Record<Key, Resolved>>, trusted: boolean): string[] {
  const secret = r.OAUTH_CLIENT_SECRET;
  if (trusted || !secret || secret.kind === 'project') return [];
  return (['OAUTH_ENDPOINT', 'LLM_API_BASE_URL'] as const)
    .filter((k) => r[k]?.kind === 'project')
    .map(
      (k) =>
        `${k} comes from ${r[k]?.from} but the client secret comes from ${secret.from}; ` +
        'codex-wrap will not send credentials to a host a project file chose — remove it from that .env, ' +
        'or pass --trust-project-env (or set CODEX_WRAP_TRUST_PROJECT_ENV=true) if you trust this directory',
    );
}
