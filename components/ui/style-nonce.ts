/**
 * The portal's Content-Security-Policy allows a <style> element only with the page's nonce (proxy.ts).
 * Some libraries (sonner's toast styles) create a <style> element from script when they load; this gives
 * every <style> created from script the nonce Next.js put on its own scripts, so their styles apply and
 * no violation is reported. Scripts themselves are still nonce-only: only code the portal served runs here.
 * Import this module before any such library (components/ui/toast.ts does).
 */
if (typeof document !== "undefined") {
  const marked = document.documentElement as HTMLElement & { __warrantStyleNonce?: boolean };
  const nonce = document.querySelector<HTMLScriptElement>("script[nonce]")?.nonce;
  if (nonce && !marked.__warrantStyleNonce) {
    marked.__warrantStyleNonce = true;
    const create = document.createElement.bind(document);
    document.createElement = ((tag: string, options?: ElementCreationOptions) => {
      const el = create(tag, options);
      if (tag.toLowerCase() === "style") el.setAttribute("nonce", nonce);
      return el;
    }) as typeof document.createElement;
  }
}

export {};
