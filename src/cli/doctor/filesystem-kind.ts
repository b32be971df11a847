/**
 * Whether a directory is on a network filesystem, by statfs's type (Linux
 * magic numbers). A local storage location keeps a SQLite pack index, and a
 * SQLite server its database, in files whose locks NFS and SMB do not keep
 * reliably: `batchyard doctor` fails such a directory (and warns of FUSE,
 * which may be either).
 */
import fs from 'node:fs';

const NETWORK_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x6969, 'NFS'],
  [0x517b, 'SMB'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB2'],
  [0x564c, 'NCP'],
  [0x47504653, 'GPFS'],
  [0x0bd00bd0, 'Lustre'],
  [0x00c36400, 'CephFS'],
  [0x65735546, 'FUSE (sshfs, s3fs, …)'],
]);

/** The network filesystem's name for a statfs type, or undefined for a local one. */
export function networkFilesystemName(type: number): string | undefined {
  return NETWORK_FILESYSTEMS.get(type);
}

/** The network filesystem `dir` is on, or undefined (local, or statfs unavailable). */
export function networkFilesystemOf(dir: string): string | undefined {
  try {
    return networkFilesystemName(fs.statfsSync(dir).type);
  } catch {
    return undefined;
  }
}
