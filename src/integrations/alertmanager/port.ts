// The calls perfbot makes to one Alertmanager: silences only (alerts arrive by webhook).
import type { GettableSilence, PostableSilence } from './schema.js';

export interface AlertmanagerPort {
  /** The Alertmanager's base URL (credentials removed), for messages and records. */
  readonly url: string;
  /** POST /api/v2/silences → the new silence's ID. */
  createSilence(silence: PostableSilence, signal?: AbortSignal): Promise<string>;
  /** GET /api/v2/silence/{id}; undefined when Alertmanager does not know it (404). */
  getSilence(id: string, signal?: AbortSignal): Promise<GettableSilence | undefined>;
  /** DELETE /api/v2/silence/{id}: expires it now. false when it was unknown or already expired. */
  expireSilence(id: string, signal?: AbortSignal): Promise<boolean>;
  /** GET /api/v2/silences, optionally filtered by matchers such as `alertname="X"`. */
  listSilences(filter?: readonly string[], signal?: AbortSignal): Promise<GettableSilence[]>;
}
