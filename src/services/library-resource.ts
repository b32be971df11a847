/**
 * The library resource as clients see it: every field of AODocs' ApiLibrary
 * (plus `appType`), those no one set with batchyard's value or AODocs' default
 * (domain/library/resource-defaults.ts). The native API and the AODocs dialect
 * render the same object.
 */
import type { Library, LibraryPermission } from '../domain/types.js';
import type { LibraryRight } from '../domain/library-rules.js';
import type { LibraryUserState } from '../store/queries/library-access.js';
import type { LibraryUsage } from '../store/queries/library-usage.js';
import { renderRetentionPolicy } from '../domain/retention-input.js';
import { SETTING_DEFAULTS, sectionDefaults, withSectionDefaults } from '../domain/library/resource-defaults.js';

export interface LibraryView {
  library: Library;
  right: LibraryRight;
  permissions: LibraryPermission[];
  userState: LibraryUserState;
  domainName: string;
  creatorEmail: string;
  /** Items (all but the root folder, live and trashed) and the bytes of their files. */
  usage: LibraryUsage;
}

export function toLibraryResource(view: LibraryView): Record<string, unknown> {
  const { library } = view;
  const settings = { ...SETTING_DEFAULTS, homeUrl: `/api/v1/libraries/${library.id}`, ...library.settings };
  const sections = sectionDefaults({ library, settings, permissions: view.permissions, domainName: view.domainName });
  return {
    kind: 'aodocs#library',
    libraryId: library.id,
    name: library.name,
    name_i18n: library.name,
    ...settings,
    ...withSectionDefaults(sections, library.config),
    appType: library.appType,
    usage: { items: view.usage.items, bytes: view.usage.bytes },
    retention: renderRetentionPolicy(library.retention),
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
      // No profile pictures, no sharing by link here.
      thumbnailPhotoUrl: '',
      withLink: false,
    })),
  };
}
