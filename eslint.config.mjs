// n8n's lint rules for community node packages (@n8n/node-cli). This package is not eligible for
// n8n Cloud (it needs ioredis at run time), so it uses the variant n8n's own
// `n8n-node cloud-support disable` selects, together with `"strict": false` in package.json:
// every rule except the Cloud-only import and global restrictions, and two exceptions below.
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
  ...configWithoutCloudSupport,
  {
    files: ['package.json'],
    rules: {
      // @n8n/community-nodes/no-runtime-dependencies: the Redis-backed idempotency and dead-letter
      // nodes need ioredis at run time, so the package keeps it as its one dependency. Such a
      // package installs and runs on self-hosted n8n but cannot be verified for n8n Cloud.
      '@n8n/community-nodes/no-runtime-dependencies': 'off',
      // @n8n/community-nodes/no-overrides-field: the root "overrides" (isolated-vm 5.0.4) only
      // make this repository's own dev install work on Node 20 (see docs/packaging.md). npm
      // ignores the overrides of an installed package, so n8n users are not affected.
      '@n8n/community-nodes/no-overrides-field': 'off',
    },
  },
];
