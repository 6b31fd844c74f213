/**
 * What a container runs: ENTRYPOINT followed by CMD; arguments given to `docker run IMAGE ARGS…`
 * replace CMD (never ENTRYPOINT, which only `--entrypoint` replaces).
 */
export function effectiveCommand(entrypoint: string[] | null | undefined, cmd: string[] | null | undefined, runArgs: string[] = []): string[] {
  return [...(entrypoint ?? []), ...(runArgs.length ? runArgs : (cmd ?? []))];
}
