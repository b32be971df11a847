/**
 * What the library resource shows for each ApiLibrary field no one has set:
 * what batchyard does (writers manage folders, times are UTC, there is no
 * Drive to push to or share through), AODocs' documented default where it
 * gives one (`forwardRequestAccessRole` "defaults to Administrators"), or an
 * empty value where batchyard has no such thing (no document classes, views,
 * workflows, labels or relations: their lists are empty; no logo: '').
 * Every field of AODocs' sample response is present, with its JSON type.
 */
import type { Library, LibraryPermission } from '../types.js';

/** Scalar settings: a client's value (library.settings) replaces these. */
export const SETTING_DEFAULTS = Object.freeze({
  /** Nothing is shared through Google Drive here. */
  allowNonGoogleUsersInDriveOnlyPermissions: false,
  attachmentMode: 'COMPOSITE',
  /** Batchyard indexes its own catalog. */
  attachmentSearchEngine: 'AODOCS',
  /** No document classes. */
  defaultDocumentType: '',
  /** Writers trash and share as well as administrators. */
  defaultOnlyAdminCanDelete: false,
  defaultOnlyAdminCanShare: false,
  /** No views. */
  defaultView: '',
  enableExternalSharingInDriveOnlyPermissions: false,
  /** AODocs: "defaults to Administrators" (batchyard's ADMIN role). */
  forwardRequestAccessRole: 'ADMIN',
  /** Batchyard's messages are in English. */
  locale: 'en',
  logoUrl: '',
  notifyUsersAboutPushToMyDrive: false,
  /** Writers create, move and delete in the root folder and manage folders. */
  onlyAdminsCanEditRootFolder: false,
  onlyAdminsCanManageFolders: false,
  permissionMode: 'LOW_SECURITY_PRISON',
  pushToMyDrive: false,
  redirectUrl: '',
  /** The server holds the bytes: there is no storage account. */
  storageAdmin: '',
  /** Batchyard runs no custom scripts and sends no notifications. */
  technicalNotificationAddress: '',
  /** Batchyard shows and takes times in UTC. */
  timeZone: 'UTC',
  welcomeText: '',
});

/**
 * `visibility` as the permissions make it: a `domain` permission on the library's own
 * domain opens it to everyone there (READ for READER, WRITE above); otherwise only the
 * people named see it. Batchyard has no sharing by link.
 */
export function visibilityOf(permissions: readonly LibraryPermission[], domainName: string): { level: 'READ' | 'WRITE'; scope: 'NONE' | 'DOMAIN'; withLink: boolean } {
  const grant = permissions.find((p) => p.type === 'domain' && p.value.toLowerCase() === domainName.toLowerCase());
  if (!grant) return { level: 'READ', scope: 'NONE', withLink: false };
  return { level: grant.role === 'READER' ? 'READ' : 'WRITE', scope: 'DOMAIN', withLink: false };
}

/**
 * The configuration sections of a library that has not set them. An object section a
 * client set is shown over these (its own fields win); a list section it set replaces them.
 */
export function sectionDefaults(p: { library: Library; settings: Record<string, unknown>; permissions: readonly LibraryPermission[]; domainName: string }) {
  const { library, settings } = p;
  return {
    appMetadata: {},
    categoryDefinitions: { kind: 'aodocs#nameValueList', items: [] },
    documentTypes: { kind: 'aodocs#nameValueList', items: [] },
    driveShortcuts: { sameLibrary: 'KEEP' },
    /** The folder tree: rooted at the library's root folder, every folder visible to every reader. */
    folderDefinition: {
      kind: 'aodocs#folderDefinition',
      id: `${library.id}.folders`,
      libraryId: library.id,
      folderId: String(library.rootFolderId),
      name: 'Folders',
      dynamicValues: false,
      folderVisibility: 'PUBLIC',
      onlyAdminCanEditRootFolder: settings.onlyAdminsCanEditRootFolder === true,
      onlyAdminCanManage: settings.onlyAdminsCanManageFolders === true,
    },
    /** A library's job history is shown to its administrators. */
    historyVisibility: {
      type: 'ROLE',
      value: 'ADMIN',
      displayName: 'Administrators',
      displayName_i18n: 'Administrators',
      description: 'The administrators of the library',
      classId: '',
      className: '',
      thumbnailPictureUrl: '',
    },
    libraryLabels: [],
    relations: [],
    views: { kind: 'aodocs#displayableNameValueList', items: [] },
    visibility: visibilityOf(p.permissions, p.domainName),
    wokflows: { kind: 'aodocs#workflowList', workflows: [] },
  };
}

/**
 * What a client-set object section is completed with, where not its default: a history
 * token the client set names someone else than the default's administrators, so its
 * names are its `value` and its other texts empty.
 */
const COMPLETED_WITH: Readonly<Record<string, (set: Record<string, unknown>, base: Record<string, unknown>) => Record<string, unknown>>> = {
  historyVisibility: (set, base) => {
    const name = typeof set.value === 'string' ? set.value : '';
    return { ...base, classId: '', className: '', description: '', thumbnailPictureUrl: '', displayName: name, displayName_i18n: name };
  },
};

/** Sections a client set, shown over their defaults (objects completed one level deep; lists as set). */
export function withSectionDefaults(defaults: Record<string, unknown>, set: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(set)) {
    const base = defaults[key];
    if (!isPlainObject(base) || !isPlainObject(value)) {
      out[key] = value;
      continue;
    }
    const complete = COMPLETED_WITH[key];
    out[key] = { ...(complete ? complete(value, base) : base), ...value };
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
