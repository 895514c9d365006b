/**
 * Get-or-create for prom-client metrics on a caller's registry. Two relays, consumers or sweeps in
 * one process (and tests) share a registry; registering a name twice would throw.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

type Labels = readonly string[];

export function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames: labelNames as Labels as L[], registers: [registry] });
}

export function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge({ name, help, labelNames: labelNames as Labels as L[], registers: [registry] });
}

export function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram({ name, help, labelNames: labelNames as Labels as L[], buckets, registers: [registry] });
}
