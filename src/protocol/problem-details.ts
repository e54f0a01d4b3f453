import type { TusResponse } from './tus-request.js';

/** The problem types the IETF upload draft registers (RFC 9457 `type` URIs). */
export const PROBLEM_TYPES = {
  mismatchingOffset: 'https://iana.org/assignments/http-problem-types#mismatching-upload-offset',
  inconsistentLength: 'https://iana.org/assignments/http-problem-types#inconsistent-upload-length',
} as const;

export interface Problem {
  status: number;
  type: string;
  title: string;
  /** This occurrence, in words a user can act on. */
  detail: string;
  /** Extension members (e.g. the draft's `expected-offset`). */
  members?: Record<string, number | string>;
  headers?: Record<string, string>;
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
