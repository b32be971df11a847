/**
 * The library resource as clients see it: every field of AODocs' ApiLibrary
 * (plus `appType`). The native API and the AODocs dialect render the same object.
 */
import type { Library, LibraryPermission } from '../domain/types.js';
import type { LibraryRight } from '../domain/library-rules.js';
import type { LibraryUserState } from '../store/queries/library-access.js';

export interface LibraryView {
  library: Library;
  right: LibraryRight;
  permissions: LibraryPermission[];
  userState: LibraryUserState;
  domainName: string;
  creatorEmail: string;
}

/** Read-only defaults for ApiLibrary fields that have no setting here. */
const DEFAULTS = {
  attachmentMode: 'COMPOSITE',
  attachmentSearchEngine: 'AODOCS',
  defaultOnlyAdminCanDelete: false,
  defaultOnlyAdminCanShare: false,
  permissionMode: 'LOW_SECURITY_PRISON',
} as const;

export function toLibraryResource(view: LibraryView): Record<string, unknown> {
  const { library } = view;
  const settings = library.settings;
  return {
    kind: 'aodocs#library',
    libraryId: library.id,
    name: library.name,
    name_i18n: library.name,
    ...DEFAULTS,
    ...settings,
    ...library.config,
    appType: library.appType,
    state: library.state,
    domainName: view.domainName,
    creator: view.creatorEmail,
    createdAt: library.createdAt,
    lastModified: library.lastModified,
    lastConfigModified: library.lastConfigModified,
    lastAccessed: view.userState.lastAccessed ?? 0,
    sequenceId: library.sequenceId,
    daysBeforeDelete: library.daysBeforeDelete,
    restrictedDownload: library.restrictedDownload,
    findableBy: library.findableBy,
    objectStorageLocation: library.storage,
    rootFolderId: String(library.rootFolderId),
    trashResourceId: `${library.rootFolderId}.trash`,
    favorited: view.userState.favorited,
    currentUserRight: view.right,
    permissions: view.permissions.map((p) => ({
      kind: 'aodocs#permission',
      type: p.type,
      value: p.value,
      name: p.value,
      role: p.role,
      withLink: false,
    })),
  };
}
