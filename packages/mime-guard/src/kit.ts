import { attachModuleKit, type ModuleKitCarrier } from '@portcullis/core';
import { lingerAfterRefusal } from './linger.js';
import { guardMultipart } from './multipart.js';
import { createUploadSession } from './session.js';

/**
 * What the adapters need from this module, carried by every guard (core's module kit): the
 * adapters import no mime-guard code, so an app without uploads never loads file-type or busboy.
 */
export interface MimeGuardKit {
  readonly guardMultipart: typeof guardMultipart;
  readonly createUploadSession: typeof createUploadSession;
  readonly lingerAfterRefusal: typeof lingerAfterRefusal;
}

/** The kit itself, exported as `moduleKit` (loaded by name for an instance the app wrote itself). */
export const MIME_GUARD_KIT: MimeGuardKit = Object.freeze({
  guardMultipart,
  createUploadSession,
  lingerAfterRefusal,
});

/** Makes a guard carry the mime-guard kit. */
export function withMimeGuardKit<T extends object>(instance: T): T & ModuleKitCarrier<MimeGuardKit> {
  return attachModuleKit(instance, MIME_GUARD_KIT);
}
