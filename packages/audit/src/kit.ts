import { attachModuleKit, type ModuleKitCarrier } from '@portcullis/core';
import { fileTransferOutcome } from './record.js';

/**
 * What the adapters need from this module, carried by every audit log (core's module kit): the
 * adapters import no audit code, so an app without audit never loads it.
 */
export interface AuditKit {
  readonly fileTransferOutcome: typeof fileTransferOutcome;
}

/** The kit itself, exported as `moduleKit` (loaded by name for an instance the app wrote itself). */
export const AUDIT_KIT: AuditKit = Object.freeze({ fileTransferOutcome });

/** Makes an audit log carry the audit kit. */
export function withAuditKit<T extends object>(instance: T): T & ModuleKitCarrier<AuditKit> {
  return attachModuleKit(instance, AUDIT_KIT);
}
