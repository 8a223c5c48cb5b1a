/** The part of a tool's input that says what it acted on, for error listings. */
export function toolTarget(input: Readonly<Record<string, unknown>>): string | undefined {
  for (const key of ["command", "file_path", "notebook_path", "path", "url", "pattern", "query", "description", "prompt"]) {
    const value = input[key];
    if (typeof value === "string" && value.length > 0) return value;
  }
  return undefined;
}
