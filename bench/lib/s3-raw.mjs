// The anchor of the S3 benchmark: the same bytes sent straight to the object store with @aws-sdk/client-s3
// as multipart uploads (CreateMultipartUpload, UploadPart of partSize bytes one after the other,
// CompleteMultipartUpload), `concurrency` uploads at a time: what a tus server on S3 would achieve if it
// cost nothing. Also the bucket chores of bench/s3.mjs.
import { performance } from 'node:perf_hooks';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { PATTERN, pool } from './client.mjs';

const MiB = 1024 * 1024;

/** n bytes of the pattern repeated: what the tus clients send for an upload of n bytes, cut the same way. */
const bodies = new Map();
function patternBytes(n) {
  if (!bodies.has(n)) {
    const b = Buffer.allocUnsafe(n);
    for (let at = 0; at < n; at += PATTERN.length) PATTERN.copy(b, at, 0, Math.min(PATTERN.length, n - at));
    bodies.set(n, b);
  }
  return bodies.get(n);
}

async function multipartUpload(client, bucket, key, size, partSize) {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts = [];
  for (let offset = 0, n = 1; offset < size; offset += partSize, n++) {
    const body = patternBytes(Math.min(partSize, size - offset));
    const { ETag } = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: body }));
    parts.push({ PartNumber: n, ETag });
  }
  await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
}

/**
 * Runs one workload as raw multipart uploads, shaped like bench/lib/client.mjs's runWorkload (50 untimed
 * warm-up uploads of warmupSize, hooks around the timed phase, then every object's size checked).
 */
export async function runRawWorkload({ clientConfig, bucket, spec, partSize, hooks = {} }) {
  const client = new S3Client(clientConfig);
  try {
    await pool(spec.warmup, 4, (i) => multipartUpload(client, bucket, `warmup-${i}`, spec.warmupSize, partSize));
    await hooks.settle?.();
    await hooks.timedStart?.();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await pool(spec.count, spec.concurrency, (i) => multipartUpload(client, bucket, `upload-${i}`, spec.size, partSize));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await hooks.timedEnd?.();
    let verified = 0;
    await pool(spec.count, 8, async (i) => {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `upload-${i}` }));
      if (head.ContentLength === spec.size) verified++;
    });
    const bytes = spec.count * spec.size;
    return { seconds, bytes, uploads: spec.count, mibPerSec: bytes / MiB / seconds, uploadsPerSec: spec.count / seconds, verified, clientCpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    client.destroy();
  }
}

export async function createBucket(clientConfig, bucket) {
  const client = new S3Client(clientConfig);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

/** Aborts every multipart upload, deletes every object and then the bucket (frees the server's disk). */
export async function removeBucket(clientConfig, bucket) {
  const client = new S3Client(clientConfig);
  try {
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const u of uploads.Uploads ?? []) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
      const keys = (page.Contents ?? []).map((o) => o.Key);
      if (keys.length === 0) break;
      // One by one, 16 at a time: Swift wants Content-MD5 on DeleteObjects, which SDK v3 no longer sends.
      await pool(keys.length, 16, (i) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keys[i] })));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}
