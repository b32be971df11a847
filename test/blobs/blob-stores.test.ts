/** BATCHYARD_STORAGES parsing and the named-store registry. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobStores, parseStorageLocations } from '../../src/blobs/blob-stores.js';
import { InvalidArgumentError } from '../../src/domain/errors.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { S3BlobStore } from '../../src/blobs/s3/s3-blob-store.js';
import { parseS3Location } from '../../src/blobs/s3/s3-location.js';

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

describe('S3 storage locations', () => {
  const url = 's3://my-bucket/batchyard/blobs?endpoint=http://127.0.0.1:9000&region=eu-west-3&forcePathStyle=true';

  it('keeps an s3:// location as written, beside directories, and parses it into bucket, prefix and client settings', () => {
    expect(parseStorageLocations(`default=${url},local=${root}/local`, root)).toEqual({ default: url, local: path.join(root, 'local') });
    expect(parseS3Location('default', url, '/data/s3-spool')).toEqual({
      kind: 's3',
      bucket: 'my-bucket',
      prefix: 'batchyard/blobs/',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-3',
      forcePathStyle: true,
      credentialsFile: undefined,
      profile: undefined,
      spoolDir: '/data/s3-spool/default',
      display: url,
    });
    expect(parseS3Location('a', 's3://bucket.with.dots', '/s')).toMatchObject({ bucket: 'bucket.with.dots', prefix: '', endpoint: undefined, region: 'us-east-1', forcePathStyle: false });
    expect(parseS3Location('a', 's3://b-1/p?credentialsFile=/etc/batchyard/s3&profile=backup', '/s')).toMatchObject({ credentialsFile: '/etc/batchyard/s3', profile: 'backup' });
  });

  it('refuses a bad s3:// location, naming the location and what is wrong', () => {
    const bad: Array<[string, RegExp]> = [
      ['s3://UPPER/x', /'upper' is not a valid bucket name|'UPPER' is not a valid bucket name/],
      ['s3://ab/x', /not a valid bucket name/],
      ['s3://bucket/x?endpoint=ftp://h', /endpoint 'ftp:\/\/h' is not an http:\/\/ or https:\/\/ URL/],
      ['s3://bucket/x?endpoint=', /parameter 'endpoint' is empty/],
      ['s3://bucket/x?region=Mars%201', /region 'Mars 1' is not a region name/],
      ['s3://bucket/x?forcePathStyle=yes', /forcePathStyle must be true or false, not 'yes'/],
      ['s3://bucket/x?credentialsFile=creds', /credentialsFile must be an absolute path/],
      ['s3://bucket/x?secret=1', /unknown parameter 'secret' \(known: endpoint, region, forcePathStyle, credentialsFile, profile\)/],
      ['s3://bucket/x?region=a&region=b', /parameter 'region' is given twice/],
      ['s3://key:secret@bucket/x', /credentials do not belong in the URL/],
      ['s3://bucket:9000/x', /give the server as endpoint=/],
      ['s3://bucket/a/../b', /'\.\.' segment/],
    ];
    for (const [where, message] of bad) {
      let error: unknown;
      try {
        parseStorageLocations(`cold=${where}`, root);
      } catch (e) {
        error = e;
      }
      expect(error, where).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message, where).toMatch(/^BATCHYARD_STORAGES: location 'cold' \(/);
      expect((error as Error).message, where).toMatch(message);
      expect((error as Error).message, where).not.toContain('secret@');
    }
    expect(() => parseStorageLocations(`a=${url},b=${url.replace('region=eu-west-3', 'region=us-east-1')}`, root)).toThrow(/locations 'a' and 'b' share the bucket and prefix/);
  });

  it('makes an S3BlobStore for an s3:// location, spooling under <dataDir>/s3-spool/<name>', () => {
    const registry = new BlobStores({ default: path.join(root, 'blobs'), cold: url }, { dataDir: root });
    expect(registry.get('default')).toBeInstanceOf(LocalBlobStore);
    const cold = registry.get('cold') as S3BlobStore;
    expect(cold).toBeInstanceOf(S3BlobStore);
    expect(cold.location.spoolDir).toBe(path.join(root, 's3-spool', 'cold'));
    expect(cold.objectKey('a'.repeat(64))).toBe(`batchyard/blobs/objects/${'a'.repeat(64)}`);
    registry.close();
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
