import type { onRequestAsyncHookHandler } from 'fastify';
import { requireBearer } from '../admin/auth';
import type { RuntimeConfig } from '../config/types';
import { perAddressRateLimit } from '../ingress/rate-limit';

/**
 * The hooks in front of the operators' reads that touch storage (/status/data, /metrics):
 * one per-address rate limit shared by both, then, with `ops.auth: token`, the admin token.
 * The limit comes first, so a flood without a token is turned away as cheaply as one with it.
 */
export function opsReadGuard(config: Pick<RuntimeConfig, 'ops' | 'admin'>): onRequestAsyncHookHandler[] {
  const hooks = [perAddressRateLimit({ perSecond: config.ops.perAddressPerSecond, burst: config.ops.perAddressBurst })];
  // Validation refuses `auth: token` without admin.token.
  if (config.ops.auth === 'token') hooks.push(requireBearer(config.admin!.token));
  return hooks;
}
