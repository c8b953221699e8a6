/**
 * The renderer's Content-Security-Policy, one string for both hosts. Only our own scripts run;
 * no remote content of any kind. `'unsafe-inline'` for styles only, for React's style attributes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: studio-media:",
  "media-src 'self' blob: studio-media:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
