import { resourceFromAttributes } from "@opentelemetry/resources";
import type { Resource } from "@opentelemetry/resources";
import { resourceAttributes } from "./resource-attributes.js";

export { packageVersion, parseResourceAttributes, resourceAttributes } from "./resource-attributes.js";

/** Our resource: service.name (`OTEL_SERVICE_NAME`, default claude-code-otel), service.version, `OTEL_RESOURCE_ATTRIBUTES`, and `claude_code.telemetry.source=claude-code-otel`; no pid or host, so many processes look like one writer. */
export function buildResource(env: NodeJS.ProcessEnv = process.env): Resource {
  return resourceFromAttributes(resourceAttributes(env));
}
