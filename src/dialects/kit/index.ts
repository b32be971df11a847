/**
 * The dialect kit: what every vendor dialect is built on, so that a dialect
 * holds only its vendor's words and mappings.
 * - errors: one handler for every surface (src/api/error-handler.ts); a
 *   dialect gives its ErrorSurface (status of each code, how a validation
 *   issue is worded, its body shape) to installErrorSurface;
 * - principal: its authentication as one `onRequest` step that leaves the
 *   caller on `request.principal` (installPrincipal, callerOf);
 * - renameField: a service error about a service field, in the vendor's words;
 * - vendor views: how a dialect shows one job to the native "seen by vendor
 *   APIs" view, with the mapping its own routes use.
 */
export { installErrorSurface, installNotFound, statusOf, type ErrorSurface, type Problem, type ProblemCode } from '../../api/error-handler.js';
export { issueField, type ValidationIssue } from '../../api/validation-issue.js';
export { installPrincipal, callerOf, type Authenticate } from './principal.js';
export { renameField, type FieldNames } from './rename-field.js';
export { unavailable, type VendorRenderer, type VendorView, type VendorViewInput } from './vendor-view.js';
