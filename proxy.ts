import { NextResponse, type NextRequest } from "next/server";

/**
 * Passes the requested path to server components, so the portal layout can send a signed-out visitor to
 * sign-in and back to where they were going. Not an authorization check: that happens on every call.
 */
export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set("x-warrant-path", request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.next({ request: { headers } });
}

export const config = { matcher: ["/((?!api/|_next/|favicon.ico|signin).*)"] };
