/** Path canonicalisation lives in core, shared by every module and adapter; re-exported here. */
export { compilePathPattern, normalisePath, type PathMatcher, requestPath } from '@portcullis/core';
