import { attachModuleKit, type ModuleKitCarrier } from '@portcullis/core';
import { checkPasswordRequest, resetConfirmAnswer, resetRequestAnswer } from './http-input.js';

/**
 * What the adapters need from this module, carried by every validator and reset flow (core's
 * module kit): the adapters import no password code, so an app without passwords never loads
 * zxcvbn or nodemailer.
 */
export interface PasswordKit {
  readonly checkPasswordRequest: typeof checkPasswordRequest;
  readonly resetRequestAnswer: typeof resetRequestAnswer;
  readonly resetConfirmAnswer: typeof resetConfirmAnswer;
}

/** The kit itself, exported as `moduleKit` (loaded by name for an instance the app wrote itself). */
export const PASSWORD_KIT: PasswordKit = Object.freeze({
  checkPasswordRequest,
  resetRequestAnswer,
  resetConfirmAnswer,
});

/** Makes a validator or reset flow carry the password kit. */
export function withPasswordKit<T extends object>(instance: T): T & ModuleKitCarrier<PasswordKit> {
  return attachModuleKit(instance, PASSWORD_KIT);
}
