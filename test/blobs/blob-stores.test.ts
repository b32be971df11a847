/** BATCHYARD_STORAGES parsing and the named-store registry. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobStores, parseStorageLocations } from '../../src/blobs/blob-stores.js';
import { InvalidArgumentError } from '../../src/domain/errors.js';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(os.tmpdir() + '/by-blob-');
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('parseStorageLocations', () => {
  it('always has default = <dataDir>/blobs', () => {
    expect(parseStorageLocations(undefined, root)).toEqual({ default: path.join(root, 'blobs') });
    expect(parseStorageLocations('  ', root)).toEqual({ default: path.join(root, 'blobs') });
  });

  it('parses name=dir pairs, resolving relative dirs against the working directory', () => {
    const spec = ` archive=${root}/archive , fast-1=rel/dir, cold_2=${root}/cold,`;
    expect(parseStorageLocations(spec, root)).toEqual({
      default: path.join(root, 'blobs'),
      archive: path.join(root, 'archive'),
      'fast-1': path.resolve(process.cwd(), 'rel/dir'),
      cold_2: path.join(root, 'cold'),
    });
  });

  it('lets the spec override default', () => {
    expect(parseStorageLocations(`default=${root}/elsewhere`, root)).toEqual({ default: path.join(root, 'elsewhere') });
  });

  it('refuses malformed specs with a clear message', () => {
    const bad: Array<[string, RegExp]> = [
      ['archive', /must be name=directory/],
      ['=/x', /not a valid location name/],
      ['Archive=/x', /not a valid location name/],
      ['-a=/x', /not a valid location name/],
      ['a b=/x', /not a valid location name/],
      [`${'a'.repeat(64)}=/x`, /not a valid location name/],
      ['a=', /has no directory/],
      ['a=/x,a=/y', /named twice/],
      ['a=/x,b=/x', /share the directory/],
      [`a=${root}/blobs`, /share the directory/],
    ];
    for (const [spec, message] of bad) {
      let error: unknown;
      try {
        parseStorageLocations(spec, root);
      } catch (e) {
        error = e;
      }
      expect(error, spec).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message, spec).toMatch(/^BATCHYARD_STORAGES: /);
      expect((error as Error).message, spec).toMatch(message);
    }
  });
});

describe('BlobStores', () => {
  const stores = () => new BlobStores({ default: path.join(root, 'blobs'), archive: path.join(root, 'archive') });

  it('names its locations and hands out a store per name', () => {
    const registry = stores();
    expect(registry.names()).toEqual(['archive', 'default']);
    expect(registry.has('archive')).toBe(true);
    expect(registry.has('nope')).toBe(false);
    expect(registry.get('archive').name).toBe('archive');
    expect(registry.get('archive')).toBe(registry.get('archive'));
  });

  it('refuses an unknown location, listing the known ones', () => {
    expect(() => stores().get('nope')).toThrow(InvalidArgumentError);
    expect(() => stores().get('nope')).toThrow("unknown storage location 'nope'; known: archive, default");
  });

  it('keeps locations apart', async () => {
    const registry = stores();
    const { sha256 } = await registry.get('archive').writeBuffer(Buffer.from('archived'));
    expect(await registry.get('archive').stat(sha256)).toEqual({ size: 8 });
    expect(await registry.get('default').stat(sha256)).toBeNull();
  });

  it('removes orphan temp files in every location', async () => {
    for (const dir of ['blobs', 'archive']) {
      fs.mkdirSync(path.join(root, dir, 'tmp'), { recursive: true });
      fs.writeFileSync(path.join(root, dir, 'tmp', 'leftover.tmp'), 'x');
    }
    expect(await stores().removeOrphanTempFiles()).toBe(2);
    expect(fs.readdirSync(path.join(root, 'archive', 'tmp'))).toEqual([]);
    expect(await stores().removeOrphanTempFiles()).toBe(0);
  });
});
