/**
 * Runs in the browser before the app's own code (Next.js loads it ahead of hydration).
 *
 * zod 4 compiles object parsers with `new Function` when eval is allowed, and finds out by trying it once
 * when a schema is built. Under the Content-Security-Policy (no 'unsafe-eval', server/http/security-headers.ts)
 * that try is blocked and reported as a violation; zod then parses without the compiled fast path anyway.
 * Saying so up front keeps the browser's CSP reports meaningful: any report is then a real problem.
 */
import { z } from "zod";

z.config({ jitless: true });
