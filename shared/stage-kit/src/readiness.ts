import type { ObjectStore } from '@revive/object-store';
import type { ReadinessCheck } from '@revive/telemetry';

/** The object store answers (a HEAD of a key that need not exist: only a failure to answer counts). */
export function objectStoreCheck(store: ObjectStore): ReadinessCheck {
  return () => store.head('health/readiness-probe');
}
