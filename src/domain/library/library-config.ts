/**
 * The library resource's configuration: AODocs' `ApiLibrary` fields (schema generated
 * from their OpenAPI document by scripts/gen-aodocs-library-schema.mjs, plus our
 * `appType`), which of them a client may set, their validation, and AODocs' `include`
 * filter of GET /library/v1/{libId}.
 *
 * Fields handled by the caller (the library service), NOT by validateLibraryConfig:
 * `name`, `appType`, `state`, `permissions` — they are skipped (neither validated nor
 * returned), so the service must read them from the body itself.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { InvalidArgumentError } from '../errors.js';
import schema from './aodocs-library-schema.json' with { type: 'json' };

/** The subset of JSON Schema the generated document uses. */
export interface JsonSchema {
  title?: string;
  description?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  enum?: unknown[];
  format?: string;
  default?: unknown;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

/** AODocs' ApiLibrary plus `appType`, as one self-contained JSON Schema (no external $ref). */
export const ApiLibrarySchema: JsonSchema & { properties: Record<string, JsonSchema> } = schema;

/**
 * The configuration sections stored as JSON with a library: every object/array property
 * of ApiLibrary except `permissions` (stored as rows). NB: AODocs spells the workflows
 * section `wokflows` (sic) in ApiLibrary; we keep their spelling. `relations` is
 * read-only in AODocs (deprecated, "use the relation API instead"), so it is stored and
 * returned but validateLibraryConfig rejects it.
 */
export const LIBRARY_CONFIG_SECTIONS = [
  'appMetadata',
  'categoryDefinitions',
  'documentTypes',
  'driveShortcuts',
  'folderDefinition',
  'historyVisibility',
  'libraryLabels',
  'relations',
  'views',
  'visibility',
  'wokflows',
] as const;
export type LibraryConfigSection = (typeof LIBRARY_CONFIG_SECTIONS)[number];

/**
 * Read-only ApiLibrary fields: rejected in create/PATCH bodies.
 * - marked "(read-only)" / "(read only)" in AODocs' descriptions: createdAt (whose
 *   description lacks the closing parenthesis), creator, currentUserRight,
 *   defaultOnlyAdminCanDelete, defaultOnlyAdminCanShare, domainName, favorited,
 *   lastAccessed, lastConfigModified, lastModified, name_i18n, relations, rootFolderId,
 *   sequenceId, trashResourceId;
 * - server-assigned though not marked: libraryId (the identity), kind (the resource kind).
 * `favorited` is per user: the service handles `favorited` in PATCH before calling us.
 * homeUrl ("A short URL to access the library") is not marked read-only: settable.
 */
export const LIBRARY_READ_ONLY_FIELDS = [
  'createdAt',
  'creator',
  'currentUserRight',
  'defaultOnlyAdminCanDelete',
  'defaultOnlyAdminCanShare',
  'domainName',
  'favorited',
  'kind',
  'lastAccessed',
  'lastConfigModified',
  'lastModified',
  'libraryId',
  'name_i18n',
  'relations',
  'rootFolderId',
  'sequenceId',
  'trashResourceId',
] as const;

/** Fields the library service validates and stores itself (see the module comment). */
export const LIBRARY_CALLER_HANDLED_FIELDS = ['name', 'appType', 'state', 'permissions'] as const;

/** Scalar ApiLibrary fields a client may set on create/PATCH, validated and returned in `scalars`. */
export const LIBRARY_SETTABLE_SCALARS = [
  'allowNonGoogleUsersInDriveOnlyPermissions',
  'attachmentMode',
  'attachmentSearchEngine',
  'daysBeforeDelete',
  'defaultDocumentType',
  'defaultView',
  'enableExternalSharingInDriveOnlyPermissions',
  'findableBy',
  'forwardRequestAccessRole',
  'homeUrl',
  'locale',
  'logoUrl',
  'notifyUsersAboutPushToMyDrive',
  'objectStorageLocation',
  'onlyAdminsCanEditRootFolder',
  'onlyAdminsCanManageFolders',
  'permissionMode',
  'pushToMyDrive',
  'redirectUrl',
  'restrictedDownload',
  'storageAdmin',
  'technicalNotificationAddress',
  'timeZone',
  'welcomeText',
] as const;

/**
 * Settable scalars fixed at creation: attachmentMode and storageAdmin per AODocs' descriptions,
 * objectStorageLocation because batchyard's storage is chosen once. Enforcing it is the caller's job.
 */
export const LIBRARY_CREATE_ONLY_SCALARS = ['attachmentMode', 'objectStorageLocation', 'storageAdmin'] as const;

const SECTIONS = new Set<string>(LIBRARY_CONFIG_SECTIONS);
const READ_ONLY = new Set<string>(LIBRARY_READ_ONLY_FIELDS);
const CALLER_HANDLED = new Set<string>(LIBRARY_CALLER_HANDLED_FIELDS);
const SETTABLE_SCALARS = new Set<string>(LIBRARY_SETTABLE_SCALARS);
const KNOWN = new Set(Object.keys(ApiLibrarySchema.properties));

const ajv = new Ajv({ allErrors: false, strict: false });
addFormats.default(ajv);
/** Validates an object holding only settable fields (ApiLibrary has no `required`). */
const validateFields = ajv.compile(ApiLibrarySchema);

/** `/documentTypes/items/0/name` → `documentTypes.items[0].name` */
function fieldPath(instancePath: string): string {
  let out = '';
  for (const raw of instancePath.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(segment) ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}

function describeError(error: ErrorObject): string {
  const message = error.message ?? 'is invalid';
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
  return error.keyword === 'enum' && Array.isArray(allowed) ? `${message} (${allowed.join(', ')})` : message;
}

/**
 * Validates the configuration part of a create/PATCH body and splits it into the JSON
 * sections (`config`) and the settable scalars (`scalars`). Fields set to `undefined`
 * count as absent. Throws InvalidArgumentError (details.field = the offending path) for
 * an unknown field, a read-only field, or a value not matching AODocs' schema.
 */
export function validateLibraryConfig(input: Record<string, unknown>): {
  config: Record<string, unknown>;
  scalars: Record<string, unknown>;
} {
  const config: Record<string, unknown> = {};
  const scalars: Record<string, unknown> = {};
  const checked: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined || CALLER_HANDLED.has(field)) continue;
    if (!KNOWN.has(field)) throw new InvalidArgumentError(`unknown field '${field}'`, { field });
    if (READ_ONLY.has(field)) throw new InvalidArgumentError(`field '${field}' is read-only`, { field });
    if (SECTIONS.has(field)) config[field] = value;
    else if (SETTABLE_SCALARS.has(field)) scalars[field] = value;
    else throw new InvalidArgumentError(`field '${field}' cannot be set`, { field }); // unreachable unless the lists drift
    checked[field] = value;
  }
  if (!validateFields(checked)) {
    const error = validateFields.errors?.[0];
    const field = error ? fieldPath(error.instancePath) : '';
    throw new InvalidArgumentError(`${field || 'library'}: ${error ? describeError(error) : 'is invalid'}`, { field });
  }
  return { config, scalars };
}

/**
 * Values of AODocs' `include` query parameter of GET /library/v1/{libId}. The OpenAPI
 * document declares it as `string[]` and lists the choices only in its description.
 */
export const LIBRARY_INCLUDE_VALUES = [
  'NONE',
  'CLASSES',
  'CATEGORY_DEFINITIONS',
  'VIEWS',
  'FOLDER_DEFINITION',
  'WORKFLOWS',
  'RELATIONS',
  'PERMISSIONS',
  'LIBRARY_LABELS',
] as const;
export type LibraryIncludeValue = (typeof LIBRARY_INCLUDE_VALUES)[number];

/** The ApiLibrary property each `include` value (other than NONE) brings into the response. */
export const LIBRARY_INCLUDE_SECTIONS: Readonly<Record<Exclude<LibraryIncludeValue, 'NONE'>, string>> = Object.freeze({
  CLASSES: 'documentTypes',
  CATEGORY_DEFINITIONS: 'categoryDefinitions',
  VIEWS: 'views',
  FOLDER_DEFINITION: 'folderDefinition',
  WORKFLOWS: 'wokflows',
  RELATIONS: 'relations',
  PERMISSIONS: 'permissions',
  LIBRARY_LABELS: 'libraryLabels',
});

const INCLUDE_VALUES = new Set<string>(LIBRARY_INCLUDE_VALUES);

/**
 * Applies AODocs' `include` filter to a library representation (returns a shallow copy).
 * `undefined` or no values: everything. Otherwise only the filterable sections named
 * (see LIBRARY_INCLUDE_SECTIONS) are kept; `NONE` names none of them. Fields that no
 * include value controls (scalars, appMetadata, driveShortcuts, historyVisibility,
 * visibility, appType) are always kept. Values are case-insensitive and may also come
 * comma-separated (`include=VIEWS,CLASSES`). An unknown value is an InvalidArgumentError.
 */
export function pickSections(library: Record<string, unknown>, include: string[] | undefined): Record<string, unknown> {
  const values = (include ?? []).flatMap((v) => v.split(',')).map((v) => v.trim().toUpperCase()).filter((v) => v !== '');
  const copy = { ...library };
  if (values.length === 0) return copy;
  for (const value of values) {
    if (!INCLUDE_VALUES.has(value)) {
      throw new InvalidArgumentError(`include: unknown value '${value}' (allowed: ${LIBRARY_INCLUDE_VALUES.join(', ')})`, {
        field: 'include',
      });
    }
  }
  for (const [value, section] of Object.entries(LIBRARY_INCLUDE_SECTIONS)) {
    if (!values.includes(value)) delete copy[section];
  }
  return copy;
}
