// Architecture rules, checked by `npm run check` and CI (dependency-cruiser). The folder tree is
// the data flow: alerts → playbooks → incidents → response → (diagnostics, remediation) →
// integrations; chat renders; commands/ (the CLI and /perf) sits on top of src/.
// Type-only imports of an integration's contract (src/diagnostics/types.ts,
// src/remediation/types.ts, src/playbooks/kinds.ts) are how integrations implement it, so the
// layering rules look at run-time imports; cycles are checked for both.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle (run time or type level) couples modules that should layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-never-imports-commands',
      severity: 'error',
      comment: 'commands/ (CLI, /perf) depends on src/, never the other way.',
      from: { path: '^src/' },
      to: { path: '^commands/' },
    },
    {
      name: 'integrations-import-nothing-above',
      severity: 'error',
      comment:
        'An integration is a port and an adapter: it may use shared utilities and the contract types, nothing above it.',
      from: { path: '^src/integrations/' },
      to: {
        path: '^src/(alerts|incidents|response|chat|remediation|diagnostics|audit|playbooks|app|services|server)',
        pathNot:
          '^src/(diagnostics/types|remediation/types|playbooks/kinds|playbooks/schema|diagnostics/format)\\.ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'integrations-contract-types-only',
      severity: 'error',
      comment: 'From above, an integration may import only types.',
      from: { path: '^src/integrations/' },
      to: { path: '^src/(diagnostics|remediation)/types\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'chat-renders-only',
      severity: 'error',
      comment: 'chat/ draws what happened; it never calls integrations or remediation/diagnostics internals.',
      from: { path: '^src/chat/' },
      to: {
        path: '^src/(integrations|remediation|diagnostics)/',
        pathNot:
          '^src/(remediation/(proposal|events|decide|consume)|diagnostics/(types|status|format|evidence|decide|engine))\\.ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'layer-alerts',
      severity: 'error',
      comment: 'alerts parse and hand over to playbooks/incidents; nothing later in the flow.',
      from: { path: '^src/alerts/' },
      to: { path: '^src/(response|chat|remediation|diagnostics|integrations)/' },
    },
    {
      name: 'layer-playbooks',
      severity: 'error',
      from: { path: '^src/playbooks/' },
      to: {
        path: '^src/(alerts|incidents|response|chat|remediation|diagnostics|integrations)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'layer-incidents',
      severity: 'error',
      comment: 'incidents know alerts and playbooks; what happens next is the response layer.',
      from: { path: '^src/incidents/' },
      to: {
        path: '^src/(response|chat|remediation|diagnostics|integrations)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'layer-response',
      severity: 'error',
      comment: 'the response layer publishes events; surfaces subscribe. It never imports a surface.',
      from: { path: '^src/response/' },
      to: { path: '^src/chat/' },
    },
    {
      name: 'layer-diagnostics-remediation',
      severity: 'error',
      comment: 'diagnostics and remediation sit below the response layer and above integrations.',
      from: { path: '^src/(diagnostics|remediation)/' },
      to: { path: '^src/(response|chat|alerts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
