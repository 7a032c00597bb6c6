// action kind → implementation → back end port → validated params: the one lookup behind both
// planning a proposal and running its job, so the two cannot disagree on what "available" means.
import { BACKEND_VARIABLE } from '../diagnostics/types.js';
import { BackendNotConfiguredError, InvalidInputError } from '../errors.js';
import { type BackendSource, toBackends } from '../integrations/backends.js';
import { type ActionSource, actionOf } from '../integrations/registry.js';
import { ACTION_PARAMS, type ActionKind, type ActionParams } from '../playbooks/kinds.js';
import type { AnyActionDefinition } from './types.js';

export interface ResolvedAction {
  definition: AnyActionDefinition;
  port: unknown;
  params: ActionParams<ActionKind>;
}

export async function resolveAction(
  deps: { actions: ActionSource; backends: BackendSource },
  kind: ActionKind,
  params: unknown,
): Promise<ResolvedAction> {
  const definition = await actionOf(deps.actions, kind);
  if (!definition) throw new InvalidInputError('action', `action ${kind} has no registered implementation`);
  const backends = toBackends(deps.backends);
  if (!backends.has(definition.backend))
    throw new BackendNotConfiguredError(BACKEND_VARIABLE[definition.backend]);
  const port = await backends.get(definition.backend);
  const parsed = ACTION_PARAMS[kind].safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(`params.${issue?.path.join('.') ?? ''}`, `invalid params: ${issue?.message}`);
  }
  return { definition, port, params: parsed.data };
}
