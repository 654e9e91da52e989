// n8n's own lint rules for community node packages (@n8n/node-cli), with the exceptions below.
import { config } from '@n8n/node-cli/eslint';

export default [
  ...config,
  {
    files: ['package.json'],
    rules: {
      // @n8n/community-nodes/no-runtime-dependencies: the Redis-backed idempotency and dead-letter
      // nodes need ioredis at run time, so the package keeps it as its one dependency. This is why
      // package.json sets n8n.strict to false: such a package installs and runs on self-hosted
      // n8n but cannot be verified for n8n Cloud.
      '@n8n/community-nodes/no-runtime-dependencies': 'off',
      // @n8n/community-nodes/no-overrides-field: the root "overrides" (isolated-vm 5.0.4) only
      // makes this repository's own dev install work on Node 20 (see docs/packaging.md). npm
      // ignores overrides of an installed package, so n8n users are not affected.
      '@n8n/community-nodes/no-overrides-field': 'off',
    },
  },
];
