/** The CORS answers of the endpoint, every field set (the module's defaults filled in). */
export interface CorsSettings {
  /** `'*'` reflects any origin; a list allows only those; a function decides. */
  origins: '*' | string[] | ((origin: string) => boolean);
  /** Sends `Access-Control-Allow-Credentials: true`. */
  credentials: boolean;
  /** Request headers to allow besides the tus ones. */
  allowedHeaders: string[];
  /** Response headers to expose besides the tus ones. */
  exposedHeaders: string[];
  /** Seconds a browser may cache a preflight. */
  maxAge: number;
}

/** What the HTTP glue is configured with; the module fills it from its resolved options. */
export interface TusHttpOptions {
  /** Built-in CORS, or `false` when a gateway or `app.enableCors()` owns it. */
  cors: CorsSettings | false;
  /** Peers whose forwarding headers are believed when building `Location`. */
  trustProxy: string[];
  /** `Location` as an absolute path instead of an absolute URL. */
  relativeLocation: boolean;
}
