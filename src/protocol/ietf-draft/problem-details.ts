import type { TusResponse } from '../tus-request.js';

/**
 * RFC 9457 `type` URIs: the two the IETF upload draft registers, and the three of the HTTP problem
 * types for digest fields (draft-ietf-httpapi-digest-fields-problem-types), all with status 400 but
 * the offset one (409).
 */
export const PROBLEM_TYPES = {
  mismatchingOffset: 'https://iana.org/assignments/http-problem-types#mismatching-upload-offset',
  inconsistentLength: 'https://iana.org/assignments/http-problem-types#inconsistent-upload-length',
  digestMismatchedValues: 'https://iana.org/assignments/http-problem-types#digest-mismatched-values',
  digestInvalidValues: 'https://iana.org/assignments/http-problem-types#digest-invalid-values',
  digestUnsupportedAlgorithms: 'https://iana.org/assignments/http-problem-types#digest-unsupported-algorithms',
} as const;

export interface Problem {
  status: number;
  type: string;
  title: string;
  /** This occurrence, in words a user can act on. */
  detail: string;
  /** Extension members (e.g. the draft's `expected-offset`); any JSON value. */
  members?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** A problem found deep in a request's handling, thrown so the front end answers it as one. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
    this.name = 'ProblemError';
  }
}

/** An RFC 9457 `application/problem+json` answer. */
export function problemResponse(problem: Problem): TusResponse {
  const { status, type, title, detail, members = {}, headers = {} } = problem;
  return {
    status,
    headers: { ...headers, 'Content-Type': 'application/problem+json' },
    body: JSON.stringify({ type, title, status, detail, ...members }),
  };
}
