/**
 * The architecture rules `npm run lint` checks: imports flow one way, from nodes/, credentials/ and
 * runtime/ into core/, and nothing goes round in a circle.
 * Paths are relative to the folder depcruise runs in, so the same rules also judge the small
 * trees test/unit/architecture.test.ts builds to show that each rule bites.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-stands-alone',
      comment: 'core/ is the domain both ways in share: it must not know the n8n nodes, the credentials or the runtime.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(nodes|credentials|runtime)/' },
    },
    {
      name: 'nodes-not-to-runtime',
      comment: 'The node package installs into n8n without the runtime and its server dependencies.',
      severity: 'error',
      from: { path: '^nodes/' },
      to: { path: '^runtime/' },
    },
    {
      name: 'runtime-not-to-nodes',
      comment: 'The runtime shares logic with the nodes through core/, never through n8n code.',
      severity: 'error',
      from: { path: '^runtime/' },
      to: { path: '^nodes/' },
    },
    {
      name: 'credentials-not-to-nodes-or-runtime',
      comment: 'A credential type describes a form; it may use core/, nothing that runs a node or the runtime.',
      severity: 'error',
      from: { path: '^credentials/' },
      to: { path: '^(nodes|runtime)/' },
    },
    {
      name: 'nodes-not-into-credentials',
      comment:
        'Nodes name credential types by their string name; what a node needs to read a credential ' +
        '(a gateway\'s settings, say) lives in core/, where the runtime can use it too.',
      severity: 'error',
      from: { path: '^nodes/' },
      to: { path: '^credentials/' },
    },
    {
      name: 'no-cycles',
      comment: 'A module must not reach itself again through its imports (type-only imports count too).',
      severity: 'error',
      from: { path: '^(core|nodes|credentials|runtime/src)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    // Type-only imports are dependencies too: a type cycle is still a cycle to untangle.
    tsPreCompilationDeps: true,
  },
};
