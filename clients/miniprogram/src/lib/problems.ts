// Errors as the resident sees them: the service's problem detail (already in their language), or ours.
import { strings } from "./i18n";

interface ProblemLike {
  status: number;
  code: string;
  detail: string;
}

/** A TanbiError, recognised by shape: pages and the shared library are separate bundles, so no instanceof. */
export function isProblem(error: unknown): error is ProblemLike & Error {
  return (
    error instanceof Error &&
    typeof (error as Partial<ProblemLike>).code === "string" &&
    typeof (error as Partial<ProblemLike>).status === "number"
  );
}

export function hasCode(error: unknown, code: string): boolean {
  return isProblem(error) && error.code === code;
}

/** The session ended (the refresh token was refused); the client already cleared the tokens. */
export function isSignedOut(error: unknown): boolean {
  return error instanceof Error && error.name === "SignedOutError";
}

/** What to tell the resident: the service's `detail`, or a plain sentence for a network failure. */
export function errorText(error: unknown): string {
  if (isProblem(error)) return error.code === "network_error" ? strings().networkError : error.detail;
  return error instanceof Error ? error.message : String(error);
}
