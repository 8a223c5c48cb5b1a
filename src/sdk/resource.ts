import { resourceFromAttributes } from "@opentelemetry/resources";
import type { Resource } from "@opentelemetry/resources";
import { resourceAttributes } from "./resource-attributes.js";

export { packageVersion, parseResourceAttributes, resourceAttributes } from "./resource-attributes.js";

export function buildResource(env: NodeJS.ProcessEnv = process.env): Resource {
  return resourceFromAttributes(resourceAttributes(env));
}
