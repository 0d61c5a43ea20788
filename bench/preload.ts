/** Preloaded by `bench/run.ts` (`node --import`): our packages resolve to src/ in every bench. */
import { useDevSource } from './dev-source.ts';

useDevSource();
