/**
 * Reads action annotations with the `openwhisk` npm client and caches the resulting settings per action
 * for a TTL. An action that cannot be read (unreachable API, 404) gets the configured defaults, cached
 * for a shorter time so that a fix is seen soon; a stale entry is served while a refresh fails.
 */
import openwhisk from 'openwhisk';
import { settingsFromAnnotations, type ActionSettings, type AnnotationDefaults } from './annotations';
import type { Logger } from '../log/logger';

export interface ActionSettingsSourceConfig {
  /** OpenWhisk API host (e.g. https://openwhisk.example.com, or http://127.0.0.1:3233). Unset: defaults only. */
  apihost?: string;
  /** `uuid:key` of a user allowed to read the actions. */
  apiKey?: string;
  ignoreCerts?: boolean;
  ttlMs: number;
  /** TTL of defaults used because the action could not be read. */
  errorTtlMs: number;
  defaults: AnnotationDefaults;
}

interface Entry {
  settings: ActionSettings;
  expiresAt: number;
}

/** `ns/name` or `ns/pkg/name` -> the client's {namespace, name}. */
export function splitActionName(action: string): { namespace: string; name: string } {
  const i = action.indexOf('/');
  return { namespace: action.slice(0, i), name: action.slice(i + 1) };
}

export class ActionSettingsSource {
  private readonly client: openwhisk.Client | null;
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<ActionSettings>>();
  /** Reads that failed (for metrics and the status page). */
  failures = 0;

  constructor(private readonly cfg: ActionSettingsSourceConfig, private readonly log: Logger, private readonly now = () => Date.now()) {
    this.client = cfg.apihost ? openwhisk({ apihost: cfg.apihost, api_key: cfg.apiKey ?? '', ignore_certs: cfg.ignoreCerts ?? false }) : null;
  }

  async get(action: string): Promise<ActionSettings> {
    const hit = this.cache.get(action);
    if (hit && hit.expiresAt > this.now()) return hit.settings;
    let p = this.inflight.get(action);
    if (!p) {
      p = this.fetch(action, hit?.settings).finally(() => this.inflight.delete(action));
      this.inflight.set(action, p);
    }
    return p;
  }

  /** Drops cached settings (all, or one action's). */
  invalidate(action?: string): void {
    if (action) this.cache.delete(action);
    else this.cache.clear();
  }

  private async fetch(action: string, stale: ActionSettings | undefined): Promise<ActionSettings> {
    if (!this.client) return this.remember(action, settingsFromAnnotations([], this.cfg.defaults), this.cfg.ttlMs);
    try {
      const desc = await this.client.actions.get(splitActionName(action));
      const settings = settingsFromAnnotations(desc.annotations, this.cfg.defaults);
      if (settings.errors.length) this.log.warn({ action, errors: settings.errors }, 'invalid pronghorn annotations; their defaults are used');
      return this.remember(action, settings, this.cfg.ttlMs);
    } catch (err) {
      this.failures++;
      const status = (err as { statusCode?: number }).statusCode;
      this.log.warn({ action, status, err: (err as Error).message }, stale ? 'cannot read action annotations; keeping the previous settings' : 'cannot read action annotations; using defaults');
      return this.remember(action, stale ?? settingsFromAnnotations([], this.cfg.defaults), this.cfg.errorTtlMs);
    }
  }

  private remember(action: string, settings: ActionSettings, ttlMs: number): ActionSettings {
    this.cache.set(action, { settings, expiresAt: this.now() + ttlMs });
    return settings;
  }
}
