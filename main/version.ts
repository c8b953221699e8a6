/** Injected by the build from package.json; falls back for tests run from source. */
declare const __STUDIO_VERSION__: string | undefined;
export const APP_VERSION: string = typeof __STUDIO_VERSION__ === 'string' ? __STUDIO_VERSION__ : '0.0.0-dev';
