/** A host as a URL may name it: a name or an address, an optional port; nothing else. */
const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

const firstValue = (header: string | null): string | undefined => header?.split(',')[0]?.trim() || undefined;

/**
 * The origin clients reach this service at, for the absolute URLs it hands out (Mask.pngUrl):
 * behind a proxy (HTTPS termination, a gateway) the X-Forwarded-Proto and X-Forwarded-Host the
 * proxy sets, else the request's own. A forwarded value that is not a plain scheme or host is
 * ignored rather than copied into URLs.
 */
export function publicOrigin(request: Request): string {
  const own = new URL(request.url);
  const proto = firstValue(request.headers.get('x-forwarded-proto'))?.toLowerCase();
  const host = firstValue(request.headers.get('x-forwarded-host'));
  const scheme = proto === 'http' || proto === 'https' ? proto : own.protocol.slice(0, -1);
  return `${scheme}://${host && HOST.test(host) ? host : own.host}`;
}
