// Waits until an S3 call works against the server start.sh started, creating the bucket
// on the way: `node ready.mjs ENDPOINT BUCKET ACCESS_KEY SECRET_KEY TIMEOUT_SECONDS`.
// (curl's --aws-sigv4 cannot send tempauth's `account:user` access keys: -u splits at
// the first colon.) Exits 0 once a bucket creation and an object PUT have both worked.
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const [endpoint, bucket, accessKeyId, secretAccessKey, timeout = '60'] = process.argv.slice(2);
const client = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId, secretAccessKey },
  maxAttempts: 1,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const deadline = Date.now() + Number(timeout) * 1000;
let last = 'no attempt';
while (Date.now() < deadline) {
  try {
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
    }
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: '.s3-server-ready', Body: 'ready' }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: '.s3-server-ready' }));
    process.exit(0);
  } catch (error) {
    last = `${error.name}: ${error.message}`;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
console.error(`no S3 call worked at ${endpoint} within ${timeout} s (last: ${last})`);
process.exit(1);
