// S3 settings shared by the bench servers, from the environment the S3 bench (bench/s3.mjs) sets:
// S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY, S3_PREFIX. Swift and RGW need the SDK's
// checksums off unless required (docs/s3.md, "The checksum setting").
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The S3 client settings and bucket, or undefined when S3_ENDPOINT is not set. */
export function s3FromEnv() {
  const { S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY: accessKeyId, S3_SECRET_KEY: secretAccessKey } = process.env;
  if (!endpoint) return undefined;
  if (!bucket || !accessKeyId || !secretAccessKey) throw new Error('S3_ENDPOINT needs S3_BUCKET, S3_ACCESS_KEY and S3_SECRET_KEY');
  return {
    bucket,
    prefix: process.env.S3_PREFIX ?? '',
    clientConfig: {
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
  };
}
