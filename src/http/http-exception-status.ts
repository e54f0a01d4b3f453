/**
 * The status of a Nest `HttpException` (what a user handler throws to answer the client), or
 * undefined for any other error. Recognised by its `getStatus()`, as an exception from any copy of
 * @nestjs/common is: the completion runner takes such a failure as the handler's answer, not a fault.
 */
export function httpExceptionStatus(error: unknown): number | undefined {
  const candidate = error as { getStatus?: unknown } | null | undefined;
  return typeof candidate?.getStatus === 'function' ? (candidate as { getStatus(): number }).getStatus() : undefined;
}
