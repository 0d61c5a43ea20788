export {
  type RateLimitStoreContractOptions,
  runRateLimitStoreContract,
  type StoreFactory,
} from './rate-limit-store.js';
export { type ResetTokenStoreContractOptions, runResetTokenStoreContract } from './reset-token-store.js';
export {
  type RefreshStoreContractOptions,
  type RevocationStoreContractOptions,
  refreshStoreContract,
  revocationStoreContract,
  type TokenStoreFactory,
} from './token-stores.js';
