// Names reach URL paths and label selectors; namespaces can come from an alert's labels. Every
// one is checked here before a request is built, so a bad name is an InvalidInputError naming the
// field, never a request to an unexpected path.
import { InvalidInputError } from '../../errors.js';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN } from '../../playbooks/kinds.js';
import type { LabelSelector } from './port.js';

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function assertNamespace(namespace: string, field = 'namespace'): string {
  if (!DNS1123_LABEL.test(namespace)) {
    throw new InvalidInputError(field, `${field}: "${clip(namespace)}" is not a valid Kubernetes namespace`);
  }
  return namespace;
}

export function assertObjectName(name: string, field = 'name'): string {
  if (!DNS1123_SUBDOMAIN.test(name)) {
    throw new InvalidInputError(field, `${field}: "${clip(name)}" is not a valid Kubernetes object name`);
  }
  return name;
}

export function assertContainerName(name: string, field = 'container'): string {
  if (!DNS1123_LABEL.test(name)) {
    throw new InvalidInputError(field, `${field}: "${clip(name)}" is not a valid container name`);
  }
  return name;
}

function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  if (slash === -1) return LABEL_NAME.test(key);
  const prefix = key.slice(0, slash);
  return DNS1123_SUBDOMAIN.test(prefix) && LABEL_NAME.test(key.slice(slash + 1));
}

/** Equality-based selector string ("app=x,tier=y") from a validated map. */
export function selectorString(selector: LabelSelector, field = 'selector'): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(selector)) {
    if (!isLabelKey(key))
      throw new InvalidInputError(`${field}.${key}`, `${field}: bad label key "${clip(key)}"`);
    if (!LABEL_VALUE.test(value)) {
      throw new InvalidInputError(`${field}.${key}`, `${field}: bad label value "${clip(value)}" for ${key}`);
    }
    parts.push(`${key}=${value}`);
  }
  return parts.join(',');
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
