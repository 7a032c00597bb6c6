// Alertmanager: silences through API v2 (ALERTMANAGER_URL, else the alert's externalURL). No
// checks or actions: incidents use it directly (src/incidents/silences.ts).
export { type AlertmanagerClientOptions, createAlertmanagerClient } from './client.js';
export type { AlertmanagerPort } from './port.js';
export type { GettableSilence, PostableSilence, SilenceMatcher, SilenceState } from './schema.js';
