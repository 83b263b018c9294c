/** A problem+json answer (`{"type","title","status","code","detail"}`) or a transport failure, as one typed error. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
  [key: string]: unknown;
}

export class TanbiError extends Error {
  /** HTTP status; 0 when the request never got an answer (network failure). */
  readonly status: number;
  /** The service's stable error code (`not_found`, `refresh_token_reused`, ...), or `network_error`/`http_<status>`. */
  readonly code: string;
  /** Human-readable detail in the request's Accept-Language (Chinese by default). */
  readonly detail: string;
  /** The full problem document, when the service sent one. */
  readonly problem: Problem | undefined;

  constructor(status: number, code: string, detail: string, problem?: Problem) {
    super(`${status} ${code}: ${detail}`);
    this.name = "TanbiError";
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.problem = problem;
  }

  /** Builds the error from an answer's status and raw body (problem+json, or anything else). */
  static fromResponse(status: number, body: string): TanbiError {
    let problem: Problem | undefined;
    try {
      const parsed: unknown = body ? JSON.parse(body) : undefined;
      if (parsed && typeof parsed === "object") problem = parsed as Problem;
    } catch {
      problem = undefined;
    }
    const code = typeof problem?.code === "string" ? problem.code : `http_${status}`;
    const detail =
      typeof problem?.detail === "string" ? problem.detail : typeof problem?.title === "string" ? problem.title : body;
    return new TanbiError(status, code, detail, problem);
  }
}

/**
 * The session ended: the refresh token was refused (reused, revoked or expired). The tokens have been cleared
 * before this is thrown; the app should send the resident to sign-in.
 */
export class SignedOutError extends TanbiError {
  constructor(cause: TanbiError) {
    super(cause.status, cause.code, cause.detail, cause.problem);
    this.name = "SignedOutError";
  }
}
