// Who may run which /perf command and where (PERFBOT_ACCESS, playbook `access`).
export { type Authorization, authorize, refusalText, type Subject } from './authorize.js';
export {
  type AccessDecision,
  AccessGate,
  type AccessGateOptions,
  type AccessRequest,
  createAccessGate,
} from './gate.js';
export { loadAccessFile, parseAccessText } from './load.js';
export { approversOf, type ResolvedRule, type RuleContext, resolveRule } from './policy.js';
export {
  ACCESS_COMMANDS,
  type AccessCommand,
  AccessFile,
  CommandRule,
  isAccessCommand,
  READ_ONLY_COMMANDS,
} from './schema.js';
