import { common, z } from '@flash-sale/config';

/** The simulator's configuration: where it sends webhooks, with which secret, and how it retries. */
export const simulatorConfigSchema = z.object({
  ...common.serviceProcess(3005),
  /** Where checkout links point (the simulator's own address as clients see it). */
  PROVIDER_PUBLIC_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3005'),
  PROVIDER_WEBHOOK_URL: z.url({ protocol: /^https?$/ }),
  PROVIDER_WEBHOOK_SECRET: common.secret(),
  PROVIDER_RETRY_BASE_MS: z.coerce.number().int().min(1).default(500),
  PROVIDER_RETRY_MAX_MS: z.coerce.number().int().min(1).default(60000),
  PROVIDER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(20),
  /** 0: payments wait for an explicit complete/decline call; otherwise they complete by themselves. */
  PROVIDER_AUTO_COMPLETE_MS: z.coerce.number().int().min(0).default(0),
});

export type SimulatorConfig = z.output<typeof simulatorConfigSchema>;
