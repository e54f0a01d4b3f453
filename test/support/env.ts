// Environment variables for the tests of the sample app, which reads its settings when it is created.

/** Sets `vars` in process.env; the function returned puts back what was there before. */
export function setEnv(vars: Record<string, string>): () => void {
  const before = Object.entries(vars).map(([name]) => [name, process.env[name]] as const);
  Object.assign(process.env, vars);
  return () => {
    for (const [name, value] of before) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
