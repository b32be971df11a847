/**
 * `batchyard doctor` fails a SQLite data directory or a directory storage
 * location on a network filesystem (their SQLite files need reliable locks):
 * which statfs types count as network ones, and this machine's own
 * directories (local) as not.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { networkFilesystemName, networkFilesystemOf } from '../../src/cli/doctor/filesystem-kind.js';

describe('network filesystems for doctor', () => {
  it('names NFS, SMB/CIFS and FUSE by their statfs types, and no local filesystem', () => {
    expect(networkFilesystemName(0x6969)).toBe('NFS');
    expect(networkFilesystemName(0xff534d42)).toBe('CIFS');
    expect(networkFilesystemName(0xfe534d42)).toBe('SMB2');
    expect(networkFilesystemName(0x65735546)).toMatch(/^FUSE/);
    for (const local of [0xef53 /* ext4 */, 0x58465342 /* xfs */, 0x9123683e /* btrfs */, 0x01021994 /* tmpfs */, 0x794c7630 /* overlayfs */]) {
      expect(networkFilesystemName(local)).toBeUndefined();
    }
  });

  it('finds the temp directory local, and says nothing of a path it cannot read', () => {
    expect(networkFilesystemOf(os.tmpdir())).toBeUndefined();
    expect(networkFilesystemOf('/no/such/directory')).toBeUndefined();
  });
});
