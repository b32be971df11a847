/** The generated AODocs ApiLibrary schema and the library configuration rules built on it. */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import {
  ApiLibrarySchema,
  LIBRARY_CALLER_HANDLED_FIELDS,
  LIBRARY_CONFIG_SECTIONS,
  LIBRARY_INCLUDE_SECTIONS,
  LIBRARY_INCLUDE_VALUES,
  LIBRARY_READ_ONLY_FIELDS,
  LIBRARY_SETTABLE_SCALARS,
  pickSections,
  validateLibraryConfig,
} from '../../src/domain/library/library-config.js';
import { InvalidArgumentError } from '../../src/domain/errors.js';

const openapi = JSON.parse(fs.readFileSync(new URL('../../seeds/openapi/aodocs-library.json', import.meta.url), 'utf8'));
const seedPage = fs.readFileSync(new URL('../../seeds/001_6a2520f9f4586b38.txt', import.meta.url), 'utf8');
const aodocsProps: Record<string, { type?: string; description?: string; $ref?: string }> = openapi.components.schemas.ApiLibrary.properties;

const nameValueList = (kind: string, names: string[]) => ({
  kind,
  items: names.map((name, i) => ({ kind: 'aodocs#nameValue', name, name_i18n: name, value: `${name.toLowerCase()}-${i}` })),
});

/** A complete library as AODocs would return it (every ApiLibrary field, plus appType). */
const sample: Record<string, unknown> = {
  allowNonGoogleUsersInDriveOnlyPermissions: false,
  appMetadata: { 'ns-crm': { appNamespaceId: 'ns-crm', kind: 'aodocs#namespacedAppMetadata', tags: [{ kind: 'aodocs#appMetadataTag', name: 'owner', stringValue: 'legal' }] } },
  attachmentMode: 'COMPOSITE',
  attachmentSearchEngine: 'AODOCS',
  categoryDefinitions: nameValueList('aodocs#nameValueList', ['Region', 'Customer']),
  createdAt: 1718000000000,
  creator: 'alice@example.com',
  currentUserRight: 'ADMIN',
  daysBeforeDelete: 30,
  defaultDocumentType: 'Rw3kLmZ1aB2cD4eF',
  defaultOnlyAdminCanDelete: false,
  defaultOnlyAdminCanShare: true,
  defaultView: 'Vx9aQ2',
  documentTypes: nameValueList('aodocs#nameValueList', ['Contract', 'Invoice']),
  domainName: 'example.com',
  driveShortcuts: { sameLibrary: 'MOVE' },
  enableExternalSharingInDriveOnlyPermissions: false,
  favorited: true,
  findableBy: 'CONTRIBUTORS',
  folderDefinition: { dynamicValues: false, folderId: 'F1', folderVisibility: 'PUBLIC', id: 'fd1', kind: 'aodocs#folderDefinition', libraryId: 'L1', name: 'Folders', onlyAdminCanEditRootFolder: true, onlyAdminCanManage: false },
  forwardRequestAccessRole: 'Administrators',
  historyVisibility: { type: 'ROLE', value: 'role-admins', displayName: 'Administrators', displayName_i18n: 'Administrators', description: 'Library administrators', classId: '', className: '', thumbnailPictureUrl: '' },
  homeUrl: 'https://aodocs.altirnao.com/?locale=en_US#Menu_viewDoc/LibraryId_L1',
  kind: 'aodocs#library',
  lastAccessed: 1718600000000,
  lastConfigModified: 1718500000000,
  lastModified: 1718500000000,
  libraryId: 'RfOneQ0F5pS2Zt3vLcA',
  libraryLabels: [{ createdAt: 1718000000000, deleted: false, id: 'lbl1', kind: 'aodocs#referenceCatalogValue', lastModifiedAt: 1718000000000, leaf: true, level: 0, name: 'Finance', parent: '', parentIds: [], rank: 1, referenceCatalogId: 'cat1' }],
  locale: 'en',
  logoUrl: 'https://cdn.example.com/logo.png',
  name: 'Contracts',
  name_i18n: 'Contracts',
  notifyUsersAboutPushToMyDrive: true,
  objectStorageLocation: 'AODOCS_MANAGED',
  onlyAdminsCanEditRootFolder: false,
  onlyAdminsCanManageFolders: false,
  permissionMode: 'HIGH_SECURITY_PRISON',
  permissions: [{ kind: 'aodocs#permission', name: 'Alice', role: 'ADMIN', thumbnailPhotoUrl: '', type: 'user', value: 'alice@example.com', withLink: false }],
  pushToMyDrive: false,
  redirectUrl: '',
  relations: [{ id: 'r1', kind: 'aodocs#relation', libraryId: 'L1', name: 'Amends', name_i18n: 'Amends', description: 'Amendments', fromId: 'c1', fromName: 'Contract', fromName_i18n: 'Contract', fromDescending: false, fromSort: 'title', fromDisplayColumns: [{ kind: 'aodocs#nameValue', name: 'Title', name_i18n: 'Title', value: 'title' }], selfRelated: true, toId: 'c1', toName: 'Contract', toName_i18n: 'Contract', toDescending: true, toSort: 'modified', toDisplayColumns: [] }],
  restrictedDownload: false,
  rootFolderId: '0AAbCdEfGhIjUk9PVA',
  sequenceId: 42,
  state: 'STANDARD',
  storageAdmin: 'storage@example.com',
  technicalNotificationAddress: 'ops@example.com',
  timeZone: 'Europe/Paris',
  trashResourceId: '0BBtrash',
  views: { kind: 'aodocs#displayableNameValueList', items: [{ canDisplay: true, kind: 'aodocs#displayableNameValue', name: 'All', name_i18n: 'All', value: 'v1' }] },
  visibility: { level: 'READ', scope: 'DOMAIN', withLink: false },
  welcomeText: '<p>Welcome to <b>Contracts</b></p>',
  wokflows: {
    kind: 'aodocs#workflowList',
    workflows: [{
      classId: 'c1', id: 'w1', kind: 'aodocs#workflow', name: 'Approval', name_i18n: 'Approval',
      states: [{
        description: 'Waiting', displayFlags: ['HIDDEN_FROM_BROWSEBY'], kind: 'aodocs#workflowState', name: 'Draft', name_i18n: 'Draft', noAction: false, value: 's1',
        transitions: [{
          condition: '', fromStateId: 's1', fromStateName: 'Draft', fromStateName_i18n: 'Draft', id: 't1', kind: 'aodocs#stateTransition', mandatoryComment: true,
          name: 'Submit', name_i18n: 'Submit', parallel: false, targetStateId: 's2', targetStateName: 'Review', targetStateName_i18n: 'Review', value: 't1', workflowId: 'w1',
          validators: [{ kind: 'aodocs#validator', validated: false, user: { email: 'bob@example.com', kind: 'aodocs#user', name: 'Bob', nonGoogle: false, thumbnailPictureUrl: '' } }],
        }],
      }],
    }],
  },
  appType: 2,
};

function fastifyLikeAjv() {
  const ajv = new Ajv({ strict: true, allErrors: true, coerceTypes: false });
  addFormats.default(ajv);
  return ajv;
}

function invalid(input: Record<string, unknown>): InvalidArgumentError {
  try {
    validateLibraryConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return err as InvalidArgumentError;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('generated ApiLibrary schema', () => {
  it('is self-contained: only local $refs, no OpenAPI-only keywords, no int32/int64 formats', () => {
    const text = JSON.stringify(ApiLibrarySchema);
    for (const [, ref] of text.matchAll(/"\$ref":"([^"]*)"/g)) expect(ref === '#' || ref!.startsWith('#/$defs/'), ref).toBe(true);
    expect(text).not.toMatch(/"(nullable|example|xml|discriminator)":/);
    expect(text).not.toMatch(/"format":"(int32|int64|double|float)"/);
  });

  it('has every ApiLibrary property, with the same types, plus appType', () => {
    expect(Object.keys(ApiLibrarySchema.properties)).toEqual([...Object.keys(aodocsProps), 'appType']);
    for (const [name, prop] of Object.entries(aodocsProps)) {
      expect(ApiLibrarySchema.properties[name]!.type, name).toBe(prop.type ?? 'object');
    }
    expect(ApiLibrarySchema.properties.appType).toMatchObject({ type: 'integer', default: 2 });
    expect(ApiLibrarySchema.properties.wokflows!.properties!.workflows!.items!.properties!.states!.type).toBe('array');
  });

  it('compiles in strict ajv with ajv-formats and accepts a complete library', () => {
    const validate = fastifyLikeAjv().compile(ApiLibrarySchema);
    expect(Object.keys(sample).sort()).toEqual(Object.keys(ApiLibrarySchema.properties).sort());
    expect(validate(sample), JSON.stringify(validate.errors)).toBe(true);
  });

  it("accepts the sample response of AODocs' GET /library/v1/{libId} page", () => {
    const start = seedPage.indexOf('\n{\n');
    const end = seedPage.indexOf('\n}\n', start);
    const pageSample = JSON.parse(seedPage.slice(start + 1, end + 2));
    expect(Object.keys(pageSample)).toEqual(Object.keys(aodocsProps));
    const validate = fastifyLikeAjv().compile(ApiLibrarySchema);
    expect(validate(pageSample), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects wrong types and enum values', () => {
    const validate = fastifyLikeAjv().compile(ApiLibrarySchema);
    expect(validate({ ...sample, daysBeforeDelete: '30' })).toBe(false);
    expect(validate({ ...sample, visibility: { level: 'ADMIN' } })).toBe(false);
    expect(validate({ ...sample, appType: 2.5 })).toBe(false);
  });
});

describe('field lists', () => {
  it('sections are exactly the object/array properties of ApiLibrary except permissions', () => {
    const nonScalar = Object.entries(aodocsProps)
      .filter(([name, p]) => name !== 'permissions' && (p.$ref !== undefined || p.type === 'object' || p.type === 'array'))
      .map(([name]) => name);
    expect([...LIBRARY_CONFIG_SECTIONS].sort()).toEqual(nonScalar.sort());
  });

  it('read-only covers every field AODocs describes as read-only; lists partition ApiLibrary', () => {
    const described = Object.entries(aodocsProps).filter(([, p]) => /\(read[- ]only/i.test(p.description ?? '')).map(([n]) => n);
    for (const name of described) expect(LIBRARY_READ_ONLY_FIELDS, name).toContain(name);
    const all = [...LIBRARY_CONFIG_SECTIONS.filter((s) => s !== 'relations'), ...LIBRARY_READ_ONLY_FIELDS, ...LIBRARY_SETTABLE_SCALARS, ...LIBRARY_CALLER_HANDLED_FIELDS];
    expect(all.sort()).toEqual(Object.keys(ApiLibrarySchema.properties).sort());
  });

  it("include values are the ones listed in the OpenAPI parameter's description", () => {
    const param = openapi.paths['/library/v1/{libId}'].get.parameters.find((p: { name: string }) => p.name === 'include');
    const listed = [...String(param.description).matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect([...LIBRARY_INCLUDE_VALUES]).toEqual(listed);
    for (const section of Object.values(LIBRARY_INCLUDE_SECTIONS)) expect(aodocsProps).toHaveProperty(section);
  });
});

describe('validateLibraryConfig', () => {
  it('splits settable fields into config sections and scalars, skipping caller-handled ones', () => {
    const input = Object.fromEntries(Object.entries(sample).filter(([k]) => !(LIBRARY_READ_ONLY_FIELDS as readonly string[]).includes(k)));
    const { config, scalars } = validateLibraryConfig({ ...input, unset: undefined });
    expect(Object.keys(config).sort()).toEqual(LIBRARY_CONFIG_SECTIONS.filter((s) => s !== 'relations').sort());
    expect(Object.keys(scalars).sort()).toEqual([...LIBRARY_SETTABLE_SCALARS].sort());
    expect(config.documentTypes).toEqual(sample.documentTypes);
    for (const f of LIBRARY_CALLER_HANDLED_FIELDS) {
      expect(config).not.toHaveProperty(f);
      expect(scalars).not.toHaveProperty(f);
    }
    // Caller-handled fields are not validated here at all.
    expect(validateLibraryConfig({ name: 42, appType: 'x', state: 'BOGUS', permissions: 'all' })).toEqual({ config: {}, scalars: {} });
  });

  it('names the offending field path', () => {
    const nested = invalid({ documentTypes: { items: [{ name: 'ok' }, { name: 7 }] } });
    expect(nested.message).toBe('documentTypes.items[1].name: must be string');
    expect(nested.details).toEqual({ field: 'documentTypes.items[1].name' });
    expect(invalid({ daysBeforeDelete: 1.5 }).message).toBe('daysBeforeDelete: must be integer');
    expect(invalid({ restrictedDownload: 'yes' }).details).toEqual({ field: 'restrictedDownload' });
    expect(invalid({ views: [] }).message).toBe('views: must be object');
    expect(invalid({ findableBy: 'EVERYONE' }).message).toBe('findableBy: must be equal to one of the allowed values (READERS, CONTRIBUTORS, ADMINS, NONE)');
    expect(invalid({ appMetadata: { ns: { tags: [{ name: 1 }] } } }).details).toEqual({ field: 'appMetadata.ns.tags[0].name' });
    expect(invalid({ wokflows: { workflows: [{ states: [{ displayFlags: ['NOPE'] }] }] } }).details).toEqual({ field: 'wokflows.workflows[0].states[0].displayFlags[0]' });
  });

  it('rejects unknown and read-only fields', () => {
    const unknown = invalid({ locale: 'fr', fooBar: 1 });
    expect(unknown.message).toBe("unknown field 'fooBar'");
    expect(unknown.details).toEqual({ field: 'fooBar' });
    expect(invalid({ workflows: {} }).message).toBe("unknown field 'workflows'");
    for (const field of LIBRARY_READ_ONLY_FIELDS) {
      const err = invalid({ [field]: sample[field] });
      expect(err.message).toBe(`field '${field}' is read-only`);
      expect(err.details).toEqual({ field });
    }
  });
});

describe('pickSections', () => {
  const library = { ...sample };

  it('returns everything when include is absent or empty', () => {
    expect(pickSections(library, undefined)).toEqual(library);
    expect(pickSections(library, [])).toEqual(library);
    expect(pickSections(library, undefined)).not.toBe(library);
  });

  it('NONE drops every filterable section and keeps everything else', () => {
    const none = pickSections(library, ['NONE']);
    for (const section of Object.values(LIBRARY_INCLUDE_SECTIONS)) expect(none).not.toHaveProperty(section);
    for (const kept of ['name', 'libraryId', 'appType', 'visibility', 'appMetadata', 'driveShortcuts', 'historyVisibility']) expect(none).toHaveProperty(kept);
    expect(library).toHaveProperty('documentTypes');
  });

  it('keeps only the named sections; case-insensitive, comma-separated allowed', () => {
    const some = pickSections(library, ['views', 'CLASSES,WORKFLOWS']);
    expect(some).toHaveProperty('views');
    expect(some).toHaveProperty('documentTypes');
    expect(some).toHaveProperty('wokflows');
    for (const dropped of ['categoryDefinitions', 'folderDefinition', 'relations', 'permissions', 'libraryLabels']) expect(some).not.toHaveProperty(dropped);
    expect(pickSections(library, ['NONE', 'PERMISSIONS'])).toHaveProperty('permissions');
  });

  it('rejects an unknown include value', () => {
    expect(() => pickSections(library, ['EVERYTHING'])).toThrow(InvalidArgumentError);
    expect(() => pickSections(library, ['EVERYTHING'])).toThrow(/include: unknown value 'EVERYTHING'/);
  });
});
