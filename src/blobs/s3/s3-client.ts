/**
 * The S3 client of one location, and what its failures become. The client is
 * set up for S3-compatible servers as well as AWS: checksums only where an
 * operation requires one (the SDK's default CRC32 `x-amz-checksum-*` headers
 * and trailers are refused by many non-AWS servers), path-style addressing on
 * request, a keep-alive agent shared by the location's requests, connect and
 * idle deadlines. The SDK's own retries (3 attempts, backoff) come first; what
 * still fails transiently — 5xx and SlowDown, throttling, timeouts, refused or
 * reset connections — becomes a TransientError, which the engine retries like
 * any other; the rest is an Error naming the location, the operation and the
 * server's answer (never a credential).
 */
import http from 'node:http';
import https from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { fromIni } from '@aws-sdk/credential-providers';
import { BatchyardError, TransientError } from '../../domain/errors.js';
import type { S3Location } from './s3-location.js';

/** Sockets per location (uploads of parts, persists of a batch, ranged reads all share them). */
const MAX_SOCKETS = 64;

export interface S3ClientOptions {
  /** Attempts per request, the SDK's retries included (default 3). */
  maxAttempts?: number;
  /** No connection within this long is a transient failure (default 10 s: a loaded server accepts late). */
  connectionTimeoutMs?: number;
  /**
   * No answer (its headers) this long after a request began, or a socket idle
   * this long mid-request or mid-body, is a transient failure (default 120 s:
   * a part of 8 MiB goes up in that time at 70 KB/s; a download whose client
   * stops reading for longer loses its S3 stream).
   */
  requestTimeoutMs?: number;
}

export function createS3Client(location: S3Location, options: S3ClientOptions = {}): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS };
  return new S3Client({
    region: location.region,
    ...(location.endpoint !== undefined ? { endpoint: location.endpoint } : {}),
    forcePathStyle: location.forcePathStyle,
    ...(location.credentialsFile !== undefined
      ? { credentials: fromIni({ filepath: location.credentialsFile, configFilepath: location.credentialsFile, ...(location.profile ? { profile: location.profile } : {}) }) }
      : location.profile !== undefined
        ? { credentials: fromIni({ profile: location.profile }) }
        : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 120_000,
      throwOnRequestTimeout: true,
      socketTimeout: options.requestTimeoutMs ?? 120_000,
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
    },
  });
}

const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
]);
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  cause?: unknown;
}

/** The HTTP status of an SDK failure (undefined for a failure with no answer). */
export function s3Status(error: unknown): number | undefined {
  return (error as SdkError | undefined)?.$metadata?.httpStatusCode;
}

/** Whether the server said the key (or the upload) does not exist. */
export function isS3NotFound(error: unknown): boolean {
  const e = error as SdkError | undefined;
  return s3Status(error) === 404 || e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.name === 'NoSuchUpload';
}

/** Whether a failure is worth another try later (see the module comment). */
export function isS3Transient(error: unknown): boolean {
  for (let e = error as SdkError | undefined, depth = 0; e && depth < 4; e = e.cause as SdkError | undefined, depth++) {
    const status = e.$metadata?.httpStatusCode;
    if (status !== undefined && (status >= 500 || status === 429 || status === 408)) return true;
    if (e.$retryable !== undefined) return true;
    if (e.name !== undefined && TRANSIENT_NAMES.has(e.name)) return true;
    if (e.code !== undefined && TRANSIENT_CODES.has(e.code)) return true;
  }
  return false;
}

/**
 * What an S3 failure becomes: our own errors and aborts pass through; a
 * transient one is a TransientError, any other an Error; both say which
 * location, which operation, and what the server (or the socket) said.
 */
export function s3Failure(error: unknown, where: string, operation: string): Error {
  if (error instanceof BatchyardError) return error;
  const e = error as SdkError;
  if (e?.name === 'AbortError') return error as Error;
  const status = s3Status(error);
  // (An answer without a body, as to a HEAD, leaves the SDK only `Unknown`/`UnknownError` to say.)
  const named = e?.name && !['Error', 'Unknown'].includes(e.name) ? e.name : e?.code;
  const said = [named, status !== undefined ? `HTTP ${status}` : undefined, e?.message === 'UnknownError' ? undefined : e?.message]
    .filter((part) => part !== undefined && part !== '')
    .join(': ');
  const message = `${where}: ${operation} failed (${said || String(error)})`;
  if (isS3Transient(error)) {
    const failure = new TransientError(message);
    failure.cause = error;
    return failure;
  }
  return new Error(message, { cause: error });
}
